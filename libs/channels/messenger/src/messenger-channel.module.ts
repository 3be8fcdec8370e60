import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { GraphApiModule } from '@app/graph-api';
import { MessengerSender } from './messenger.sender';
import { PageDirectory } from './page-directory.service';
import { TokenHealthService } from './token-health.service';

/** The Messenger channel: its adapter (webhook entries in, Send API out) registers itself with the ChannelRegistry. */
@Module({
  imports: [ConversationsModule, GraphApiModule],
  providers: [MessengerSender, PageDirectory, TokenHealthService],
  exports: [PageDirectory, TokenHealthService, GraphApiModule],
})
export class MessengerChannelModule {}
