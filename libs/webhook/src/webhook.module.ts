import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { WebhookController } from './webhook.controller';

/** The one webhook endpoint of every channel (`/ccm/webhook`): channels plug in through the `ChannelRegistry`. */
@Module({
  imports: [ConversationsModule],
  controllers: [WebhookController],
})
export class WebhookModule {}
