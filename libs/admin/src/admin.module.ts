import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MessengerChannelModule } from '@app/messenger';
import { AdminKeyGuard } from './admin-key.guard';
import { OperationsController } from './operations.controller';

@Module({
  imports: [ConversationsModule, MessengerChannelModule],
  controllers: [OperationsController],
  providers: [AdminKeyGuard],
  exports: [AdminKeyGuard],
})
export class AdminModule {}
