export * from './messenger-channel.module';
export * from './messenger-event.mapper';
export * from './messenger.types';
export * from './page-directory.service';
export * from './token-health.service';
export * from './messaging-window';
export * from './messenger-webhook';
export * from './messenger.sender';
