export * from './test-database';
export * from './bot-doubles';
export * from './config-problems';
