import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-ccm-signature';
export const TIMESTAMP_HEADER = 'x-ccm-timestamp';
export const EVENT_ID_HEADER = 'x-ccm-event-id';

/**
 * `sha256=<hex HMAC-SHA256(CHAT_SERVER_SECRET, "<timestamp>.<raw body>")>`. The timestamp is signed
 * too, so a receiver can refuse old replays (see docs/chat-server-bridge.md).
 */
export function signBridgeBody(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** The receiver's check (also used by the example receiver and the tests): constant time, exact match. */
export function verifyBridgeSignature(secret: string, timestamp: string | undefined, rawBody: string, header: string | undefined): boolean {
  if (!timestamp || !header || !/^\d+$/.test(timestamp)) return false;
  const expected = Buffer.from(signBridgeBody(secret, Number(timestamp), rawBody));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Capped exponential backoff; the bridge never gives up (nothing may be lost), it only waits longer. */
export function bridgeRetryDelay(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}
