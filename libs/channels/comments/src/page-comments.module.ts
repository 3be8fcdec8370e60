import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MessengerChannelModule } from '@app/messenger';
import { RoutingModule } from '@app/routing';
import { PageCommentsAdapter } from './page-comments.adapter';

/**
 * The Facebook Page comments channel. Plugs itself in (its adapter registers with the ChannelRegistry
 * and the routing policy at startup); remove it from the app's channel list and nothing else changes.
 * Needs the Messenger channel: Pages and tokens are shared, and private replies continue on Messenger.
 */
@Module({
  imports: [ConversationsModule, MessengerChannelModule, RoutingModule],
  providers: [PageCommentsAdapter],
})
export class PageCommentsModule {}
