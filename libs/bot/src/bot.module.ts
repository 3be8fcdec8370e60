import { Module } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { BOT_CONNECTOR } from './bot.types';
import { createBotConnector } from './bot-connector.factory';

@Module({
  providers: [
    {
      provide: BOT_CONNECTOR,
      inject: [CcmConfig],
      // BOT_CONNECTOR=embedded|rasa|http (docs/bot-connectors.md).
      useFactory: (config: CcmConfig) => createBotConnector(config.bot),
    },
  ],
  exports: [BOT_CONNECTOR],
})
export class BotModule {}
