export * from './test-database';
export * from './bot-doubles';
export * from './config-problems';
export * from './fake-clock';
