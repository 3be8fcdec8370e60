import { hashPassword, verifyPassword } from './password-hasher';

describe('password hasher', () => {
  it('should verify the right password and refuse a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('should salt: the same password hashes differently twice, with N ≥ 16384 recorded', async () => {
    const [a, b] = await Promise.all([hashPassword('pw-123456'), hashPassword('pw-123456')]);
    expect(a).not.toBe(b);
    expect(Number(a.split('$')[1])).toBeGreaterThanOrEqual(16384);
    expect(a).not.toContain('pw-123456');
  });

  it('should refuse malformed stored hashes instead of throwing', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$0$8$1$AAAA$BBBB')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$16384$8$1$AAAA$BBBB')).toBe(false);
  });
});
