export * from './chat-server-bridge.module';
export * from './bridge-event.types';
export * from './webhook-signature';
