import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

/**
 * Secrets stored in the database (Page tokens set through the admin API), sealed with AES-256-GCM
 * under CCM_ENCRYPTION_KEY: `enc:v1:<iv>:<tag>:<ciphertext>` (base64). A value without the prefix
 * was stored before encryption existed and is read as it is.
 */
export function sealSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ciphertext.toString('base64')}`;
}

/** The plaintext of a stored secret; throws when it was sealed under another key (or tampered with). */
export function openSecret(key: Buffer | undefined, stored: string): string {
  if (!stored.startsWith(PREFIX)) return stored;
  if (!key) throw new Error('a stored secret is encrypted but CCM_ENCRYPTION_KEY is not set');
  const [iv, tag, ciphertext] = stored
    .slice(PREFIX.length)
    .split(':')
    .map((p) => Buffer.from(p, 'base64'));
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('a stored secret cannot be decrypted with CCM_ENCRYPTION_KEY (was the key changed?)');
  }
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}
