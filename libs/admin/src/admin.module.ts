import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MessengerChannelModule } from '@app/channel-messenger';
import { OperationsController } from './operations.controller';
import { RoutingSettingsController } from './routing-settings.controller';
import { MessengerProfileController } from './messenger-profile.controller';
import { RoutingModule } from '@app/routing';
import { AgentDeskModule } from '@app/agent-desk';

@Module({
  imports: [ConversationsModule, MessengerChannelModule, RoutingModule, AgentDeskModule], // AgentDeskModule: the admin guard (key or admin login)
  controllers: [OperationsController, RoutingSettingsController, MessengerProfileController],
})
export class AdminModule {}
