import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { GraphApiModule } from '@app/graph-api';
import { MessengerWebhookController } from './messenger-webhook.controller';
import { MessengerSender } from './messenger.sender';
import { PageDirectory } from './page-directory.service';
import { TokenHealthService } from './token-health.service';

/** The Messenger channel: webhook in, Send API out. */
@Module({
  imports: [ConversationsModule, GraphApiModule],
  controllers: [MessengerWebhookController],
  providers: [MessengerSender, PageDirectory, TokenHealthService],
  exports: [PageDirectory, TokenHealthService, GraphApiModule],
})
export class MessengerChannelModule {}
