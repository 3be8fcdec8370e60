export * from './test-database';
export * from './bot-doubles';
export * from './config-problems';
export * from './fake-clock';
export * from './scripted-bot';
export * from './recording-channel';
