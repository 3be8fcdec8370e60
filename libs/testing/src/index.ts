export * from './test-database';
export * from './bot-doubles';
