export * from './messenger-channel.module';
export * from './messenger-event.mapper';
export * from './messenger-webhook';
export * from './messenger.sender';
export * from './messenger-profile';
export * from './messenger-profile.service';
export * from './subscription-health.service';
export * from './thread-control';
export { messengerMigrations } from './migrations';
