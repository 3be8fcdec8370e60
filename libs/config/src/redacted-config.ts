import { CcmConfig } from './ccm-config';

/** Fields whose string values are credentials (`appSecret`, `verifyToken`, `adminApiKey`, `accessToken`, …). */
const SECRET_FIELD = /(secret|token|key|password)$/i;
export const REDACTED = '[redacted]';

/**
 * The effective configuration (defaults applied) as plain JSON for operators, with every credential
 * replaced by `[redacted]` and the password of any URL (database, Redis) masked. Numbers, booleans and
 * non-secret strings are shown as they are, so "what is this instance running with" has one answer.
 */
export function redactedConfig(config: CcmConfig): Record<string, unknown> {
  return redact(config, '') as Record<string, unknown>;
}

function redact(value: unknown, field: string): unknown {
  if (typeof value === 'string') {
    if (SECRET_FIELD.test(field)) return value.length > 0 ? REDACTED : value;
    return maskUrlPassword(value);
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, field));
  if (value instanceof RegExp) return String(value);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (typeof inner !== 'function') out[key] = redact(inner, key);
    return out;
  }
  return value;
}

function maskUrlPassword(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(text)) return text;
  try {
    const url = new URL(text);
    if (!url.password) return text;
    url.password = REDACTED;
    return url.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return text.replace(/\/\/[^@/\s]*@/, `//${REDACTED}@`);
  }
}
