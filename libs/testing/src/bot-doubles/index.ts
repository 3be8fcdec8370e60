export * from './scripted-http-server';
export * from './rasa-double';
export * from './http-bot-double';
