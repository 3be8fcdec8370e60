import { loadCcmConfig } from './load-ccm-config';
import { REDACTED, redactedConfig } from './redacted-config';

describe('redactedConfig', () => {
  const env = {
    FACEBOOK_APP_SECRET: 'app-secret-value-0123456789',
    FACEBOOK_VERIFY_TOKEN: 'verify-token-value',
    FACEBOOK_PAGE_ACCESS_TOKEN: 'EAAB-page-token-value',
    FACEBOOK_PAGE_ID: '111',
    FACEBOOK_PAGES: JSON.stringify([{ id: '222', accessToken: 'EAAB-second-page-token', name: 'Second' }]),
    ADMIN_API_KEY: 'admin-key-value-0123456789',
    AGENT_JWT_SECRET: 'jwt-secret-value-0123456789abcdef',
    DATABASE_URL: 'postgres://ccm:db-password-value@db.internal:5432/ccm',
    REDIS_URL: 'redis://:redis-password-value@cache.internal:6379',
    CCM_ENCRYPTION_KEY: 'ab'.repeat(32),
    METRICS_TOKEN: 'metrics-token-value',
    SEND_RATE_PER_PAGE: '123',
  };

  it('should show effective values and defaults but no credential anywhere', () => {
    const shown = redactedConfig(loadCcmConfig(env));
    const text = JSON.stringify(shown);
    for (const secret of [
      'app-secret-value',
      'verify-token-value',
      'EAAB-page-token-value',
      'EAAB-second-page-token',
      'admin-key-value',
      'jwt-secret-value',
      'db-password-value',
      'redis-password-value',
      'ab'.repeat(32),
      'metrics-token-value',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
    expect(text).toContain('db.internal:5432/ccm');
    expect(text).toContain('cache.internal:6379');
    expect(text).toContain('123'); // SEND_RATE_PER_PAGE, as configured
    expect(text).toContain('"111"'); // Page ids are not secrets
  });
});
