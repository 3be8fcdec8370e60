export * from './channel-registry.service';
export * from './conversations.module';
export * from './inbound-intake.service';
export * from './outbox-dispatcher.service';
export * from './polling-loop';
export * from './conversation-bus.service';
export * from './conversation-state-machine';
