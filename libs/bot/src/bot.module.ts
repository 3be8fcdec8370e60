import { Module } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { CcmMetrics, measuredBot } from '@app/observability';
import { BOT_CONNECTOR } from './bot.types';
import { createBotConnector } from './bot-connector.factory';

@Module({
  providers: [
    {
      provide: BOT_CONNECTOR,
      inject: [CcmConfig, { token: CcmMetrics, optional: true }],
      // The connector BOT_CONNECTOR selected (docs/bot-connectors.md); every turn is measured.
      useFactory: (config: CcmConfig, metrics?: CcmMetrics) => measuredBot(createBotConnector(config), metrics),
    },
  ],
  exports: [BOT_CONNECTOR],
})
export class BotModule {}
