import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MediaModule } from '@app/media';
import { MetaModule } from '@app/meta';
import { MessengerProfileService } from './messenger-profile.service';
import { MessengerSender } from './messenger.sender';
import { PagePolicyApplier } from './page-policy.applier';
import { SubscriptionHealthService } from './subscription-health.service';
import { ThreadControlApplier, ThreadControlService } from './thread-control';

/**
 * The Messenger channel: its adapter (webhook entries in, Send API out) and Meta's Page-level policy
 * events plug into the core as extensions (`@Extends`). Meta plumbing (Graph gateway, Pages, token health) comes from `@app/meta`, shared with the other Meta channels.
 */
@Module({
  imports: [ConversationsModule, MetaModule, MediaModule],
  providers: [
    MessengerSender,
    PagePolicyApplier,
    MessengerProfileService,
    SubscriptionHealthService,
    ThreadControlApplier,
    ThreadControlService,
  ],
  exports: [MessengerProfileService, SubscriptionHealthService, MetaModule, MediaModule],
})
export class MessengerChannelModule {}
