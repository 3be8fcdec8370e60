import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';

export type SignatureVerdict = 'valid' | 'missing' | 'malformed' | 'mismatch';

const SHA256_HEADER = /^sha256=([0-9a-f]{64})$/i;
const SHA1_HEADER = /^sha1=([0-9a-f]{40})$/i;

/** The app secret as a key object, made once: createHmac with the secret string converts it on every call. */
let secretKey: { secret: string; key: KeyObject } | undefined;

function keyOf(appSecret: string): KeyObject {
  if (secretKey?.secret !== appSecret) secretKey = { secret: appSecret, key: createSecretKey(Buffer.from(appSecret, 'utf8')) };
  return secretKey.key;
}

/**
 * Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>` over the raw bytes,
 * in constant time. Anything but an exact, well-formed match is refused.
 */
export function verifySignature256(rawBody: Buffer, header: string | undefined, appSecret: string): SignatureVerdict {
  if (header === undefined || header === '') return 'missing';
  const match = SHA256_HEADER.exec(header.trim());
  if (!match) return 'malformed';
  return compare(createHmac('sha256', keyOf(appSecret)).update(rawBody).digest(), match[1]);
}

/** Legacy `X-Hub-Signature: sha1=…`, accepted only when explicitly enabled. */
export function verifySignatureSha1(rawBody: Buffer, header: string | undefined, appSecret: string): SignatureVerdict {
  if (header === undefined || header === '') return 'missing';
  const match = SHA1_HEADER.exec(header.trim());
  if (!match) return 'malformed';
  return compare(createHmac('sha1', keyOf(appSecret)).update(rawBody).digest(), match[1]);
}

function compare(expected: Buffer, hex: string): SignatureVerdict {
  const given = Buffer.from(hex, 'hex');
  if (given.length !== expected.length) return 'malformed';
  return timingSafeEqual(given, expected) ? 'valid' : 'mismatch';
}
