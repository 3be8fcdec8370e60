import { signTimestampedBody, verifyTimestampedSignature } from '@app/core';

// The signature scheme itself lives in @app/core (shared with the HTTP bot connector); the bridge
// keeps its historical names so receivers and docs written against them stay valid.
export { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@app/core';
export const EVENT_ID_HEADER = 'x-ccm-event-id';

/** `sha256=<hex HMAC-SHA256(CHAT_SERVER_SECRET, "<timestamp>.<raw body>")>` (see docs/chat-server-bridge.md). */
export const signBridgeBody = signTimestampedBody;

/** The receiver's check (also used by the example receiver and the tests): constant time, exact match. */
export const verifyBridgeSignature = verifyTimestampedSignature;
