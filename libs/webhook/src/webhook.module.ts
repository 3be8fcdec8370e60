import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { WebhookController } from './webhook.controller';
import { WebhookFastPath } from './webhook-fast-path';
import { WebhookReceiver } from './webhook-receiver';

/** The one webhook endpoint of every channel (`/ccm/webhook`): channels plug in through the `ChannelRegistry`. */
@Module({
  imports: [ConversationsModule],
  controllers: [WebhookController],
  providers: [WebhookReceiver, WebhookFastPath],
  exports: [WebhookFastPath],
})
export class WebhookModule {}
