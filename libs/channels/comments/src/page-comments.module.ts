import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MetaModule } from '@app/meta';
import { CommentEventApplier } from './comment-event.applier';
import { CommentsRoutingPolicy } from './comments-routing.policy';
import { PageCommentsAdapter } from './page-comments.adapter';

/**
 * The Facebook Page comments channel. Plugs itself in (its adapter, its comment-event applier and its
 * routing policy are extensions the core finds); remove it from the app's channel list and nothing
 * else changes. Needs the Messenger channel: Pages and tokens are shared, and private replies continue
 * on Messenger.
 */
@Module({
  imports: [ConversationsModule, MetaModule],
  providers: [PageCommentsAdapter, CommentEventApplier, CommentsRoutingPolicy],
})
export class PageCommentsModule {}
