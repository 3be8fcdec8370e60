import { Module } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { BOT_CONNECTOR } from './bot.types';
import { EmbeddedBot, loadIntentsFile } from './embedded-bot';

@Module({
  providers: [
    {
      provide: BOT_CONNECTOR,
      inject: [CcmConfig],
      useFactory: (config: CcmConfig) => new EmbeddedBot(loadIntentsFile(config.bot.intentsFile)),
    },
  ],
  exports: [BOT_CONNECTOR],
})
export class BotModule {}
