import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MessengerChannelModule } from '@app/channel-messenger';
import { OperationsController } from './operations.controller';
import { RoutingSettingsController } from './routing-settings.controller';
import { MessengerProfileController } from './messenger-profile.controller';
import { RoutingModule } from '@app/routing';
import { PlatformHttpModule } from '@app/platform-http';

@Module({
  imports: [ConversationsModule, MessengerChannelModule, RoutingModule, PlatformHttpModule], // PlatformHttpModule: the admin guard, the /api pipe
  controllers: [OperationsController, RoutingSettingsController, MessengerProfileController],
})
export class AdminModule {}
