import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MessengerChannelModule } from '@app/messenger';
import { OperationsController } from './operations.controller';

@Module({
  imports: [ConversationsModule, MessengerChannelModule],
  controllers: [OperationsController],
})
export class AdminModule {}
