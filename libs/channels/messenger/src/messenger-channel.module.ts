import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { GraphApiModule } from '@app/graph-api';
import { MediaModule } from '@app/media';
import { MessengerSender } from './messenger.sender';
import { PagePolicyApplier } from './page-policy.applier';
import { PageDirectory } from './page-directory.service';
import { TokenHealthService } from './token-health.service';
import { MessengerProfileService } from './messenger-profile.service';
import { SubscriptionHealthService } from './subscription-health.service';
import { ThreadControlApplier, ThreadControlService } from './thread-control';

/**
 * The Messenger channel: its adapter (webhook entries in, Send API out) and Meta's Page-level policy
 * events plug into the core as extensions (`@Extends`).
 */
@Module({
  imports: [ConversationsModule, GraphApiModule, MediaModule],
  providers: [
    MessengerSender,
    PageDirectory,
    TokenHealthService,
    PagePolicyApplier,
    MessengerProfileService,
    SubscriptionHealthService,
    ThreadControlApplier,
    ThreadControlService,
  ],
  exports: [PageDirectory, TokenHealthService, MessengerProfileService, SubscriptionHealthService, GraphApiModule, MediaModule],
})
export class MessengerChannelModule {}
