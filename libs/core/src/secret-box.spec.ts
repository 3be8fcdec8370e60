import { randomBytes } from 'node:crypto';
import { isSealed, openSecret, sealSecret } from './secret-box';

describe('secret box', () => {
  const key = randomBytes(32);

  it('should seal with a fresh IV each time and open with the same key only', () => {
    const a = sealSecret(key, 'EAAB-page-token');
    const b = sealSecret(key, 'EAAB-page-token');
    expect(a).not.toBe(b);
    expect(a).not.toContain('EAAB');
    expect(isSealed(a)).toBe(true);
    expect(openSecret(key, a)).toBe('EAAB-page-token');
    expect(() => openSecret(randomBytes(32), a)).toThrow('cannot be decrypted');
    expect(() => openSecret(undefined, a)).toThrow('CCM_ENCRYPTION_KEY is not set');
  });

  it('should read a value stored before encryption as it is', () => {
    expect(openSecret(key, 'EAAB-plain')).toBe('EAAB-plain');
  });
});
