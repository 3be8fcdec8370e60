export * from './domain.types';
export * from './inbound-event.types';
export * from './redact.util';
export * from './outbound.types';
export * from './http.constants';
export * from './unparseable-body';
export * from './signed-body';
export * from './channel-adapter.types';
