export { ChatServerBridgeModule } from './chat-server-bridge.module';
export type { BridgeConversation, BridgeCustomer, BridgeEvent, BridgeEventType, BridgeMessage } from './bridge-event.types';
export { EVENT_ID_HEADER, SIGNATURE_HEADER, signBridgeBody, TIMESTAMP_HEADER, verifyBridgeSignature } from './webhook-signature';
