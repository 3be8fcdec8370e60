import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * ccm's one scheme for signing the JSON it posts to other servers (the chat-server bridge, the HTTP
 * bot connector): `x-ccm-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` with
 * the milliseconds timestamp in `x-ccm-timestamp`. The timestamp is signed too, so a receiver can
 * refuse old replays. Moved here from the chat-server bridge so both senders share one implementation.
 */
export const SIGNATURE_HEADER = 'x-ccm-signature';
export const TIMESTAMP_HEADER = 'x-ccm-timestamp';

export function signTimestampedBody(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** The receiver's check (example receivers and test doubles use it): constant time, exact match. */
export function verifyTimestampedSignature(
  secret: string,
  timestamp: string | undefined,
  rawBody: string,
  header: string | undefined,
): boolean {
  if (!timestamp || !header || !/^\d+$/.test(timestamp)) return false;
  const expected = Buffer.from(signTimestampedBody(secret, Number(timestamp), rawBody));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
