export * from './bot.types';
export * from './embedded-bot';
export * from './bot.module';
export * from './text-classifier';
