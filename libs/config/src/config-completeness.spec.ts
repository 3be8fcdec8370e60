import { configProblems } from '@app/testing';
import { loadCcmConfig, parseBusinessHours } from './load-ccm-config';

/** Issue 15: every variable gets the same kind of one-line, one-reason report. */
describe('config validation completeness', () => {
  it('should refuse an unknown time zone in BUSINESS_HOURS instead of failing every hand-over later', () => {
    expect(configProblems({ BUSINESS_HOURS: 'Mon-Fri 09:00-18:00 Europe/Berln' })).toEqual([
      'BUSINESS_HOURS: unknown time zone "Europe/Berln" (use an IANA name such as Europe/Berlin, or UTC)',
    ]);
    expect(configProblems({ BUSINESS_HOURS: 'Mon-Fri 18:00-09:00 UTC' })).toEqual([
      'BUSINESS_HOURS: the closing time must be after the opening time (got "18:00-09:00")',
    ]);
    expect(loadCcmConfig({ BUSINESS_HOURS: 'Mon-Fri 09:00-18:00 America/Argentina/Buenos_Aires' }).queue.businessHours).toEqual({
      days: [1, 2, 3, 4, 5],
      from: 540,
      to: 1080,
      timeZone: 'America/Argentina/Buenos_Aires',
    });
    expect(parseBusinessHours('Sat-Sun 10:00-12:00')).toMatchObject({ days: [6, 0], timeZone: 'UTC' });
  });

  it('should give one reason with the value as written for a non-numeric number (no "(got null)")', () => {
    expect(configProblems({ BOT_CONFIDENCE_THRESHOLD: 'high' })).toEqual([
      'BOT_CONFIDENCE_THRESHOLD: must be a number from 0 to 1 (got "high")',
    ]);
    expect(configProblems({ PORT: 'abc', HEALTH_MAX_BACKLOG: '-5', AGENT_JWT_TTL: '1.5' })).toEqual([
      'PORT: must be a whole number from 0 to 65535 (got "abc")',
      'AGENT_JWT_TTL: must be a whole number from 60 to 86400 (got "1.5")',
      'HEALTH_MAX_BACKLOG: must be a whole number of at least 1 (got "-5")',
    ]);
  });

  it('should report every bad variable together, whatever its kind', () => {
    const problems = configProblems({
      PORT: '70000',
      BUSINESS_HOURS: 'Mon-Fri 09:00-18:00 Mars/Olympus',
      CHAT_SERVER_URL: 'http://exa_mple:99999/x',
      OUTBOX_RETRY_BASE_MS: '5000',
      OUTBOX_RETRY_CAP_MS: '100',
      DATABASE_CONNECT_TIMEOUT_MS: 'soon',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'BUSINESS_HOURS',
      'CHAT_SERVER_URL',
      'DATABASE_CONNECT_TIMEOUT_MS',
      'OUTBOX_RETRY_CAP_MS',
      'PORT',
    ]);
    for (const problem of problems) expect(problem).not.toMatch(/null|NaN|RangeError/);
  });

  it('should size the PostgreSQL pool from DATABASE_POOL_SIZE (default 30) and refuse a pool too small to work', () => {
    const base = {
      FACEBOOK_APP_SECRET: 'test-app-secret',
      FACEBOOK_VERIFY_TOKEN: 'verify',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'token',
      FACEBOOK_PAGE_ID: '1234567890',
    };
    expect(loadCcmConfig(base).database.poolSize).toBe(30);
    expect(loadCcmConfig({ ...base, DATABASE_POOL_SIZE: '12' }).database.poolSize).toBe(12);
    const problems = configProblems({ DATABASE_POOL_SIZE: '1' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_POOL_SIZE: .*2/);
  });

  it('should refuse a URL that matches the pattern but does not parse', () => {
    expect(configProblems({ REDIS_URL: 'redis://:::6379' })).toEqual(['REDIS_URL: is not a valid URL (got "redis://:::6379")']);
    expect(configProblems({ DATABASE_URL: 'postgres://user:pw@[bad/db' })).toEqual(['DATABASE_URL: is not a valid URL']);
  });

  it('should refuse URLs, listen addresses, log settings and timer intervals that could only fail later', () => {
    expect(
      configProblems({
        MEDIA_S3_ENDPOINT: 'http://exa_mple:99999',
        MEDIA_PUBLIC_BASE_URL: 'https://ccm.example.com:70000',
        BIND_ADDRESS: 'http://0.0.0.0',
        LOCAL_MODE_BIND: '10.0.0',
        LOG_LEVEL: 'verbose',
        LOG_FORMAT: 'xml',
      }),
    ).toEqual([
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace (got "verbose")',
      'LOG_FORMAT: must be json or pretty (got "xml")',
      'LOCAL_MODE_BIND: must be an IP address or host name to listen on, e.g. 0.0.0.0 (every interface), 127.0.0.1 or localhost (got "10.0.0")',
      'BIND_ADDRESS: must be an IP address or host name to listen on, e.g. 0.0.0.0 (every interface), 127.0.0.1 or localhost (got "http://0.0.0.0")',
      'MEDIA_S3_ENDPOINT: is not a valid URL (got "http://exa_mple:99999")',
      'MEDIA_PUBLIC_BASE_URL: is not a valid URL (got "https://ccm.example.com:70000")',
    ]);
    expect(loadCcmConfig({ LOCAL_MODE_BIND: '::1' }).operations.bindAddress).toBe('::1');
    // Host names listen() resolves are accepted (they started before the check was added).
    expect(configProblems({ BIND_ADDRESS: 'ccm-internal.example.com', LOCAL_MODE_BIND: 'my-laptop' })).toEqual([]);
    expect(configProblems({ BIND_ADDRESS: 'every where', LOCAL_MODE_BIND: '-lan' })).toHaveLength(2);
    // A timer beyond 2^31-1 ms would fire after 1 ms, every ms: the periodic checks are capped there.
    expect(
      configProblems({
        TOKEN_CHECK_INTERVAL_MS: '3000000000',
        SUBSCRIPTION_CHECK_INTERVAL_MS: '3000000000',
        QUEUE_UPDATE_INTERVAL_MS: '3000000000',
      }),
    ).toEqual([
      'QUEUE_UPDATE_INTERVAL_MS: must be a whole number from 100 to 3600000 (got "3000000000")',
      'TOKEN_CHECK_INTERVAL_MS: must be a whole number from 0 to 2147483647 (got "3000000000")',
      'SUBSCRIPTION_CHECK_INTERVAL_MS: must be a whole number from 0 to 2147483647 (got "3000000000")',
    ]);
    // Up to the timer limit (~24.8 days), e.g. a weekly check.
    expect(configProblems({ TOKEN_CHECK_INTERVAL_MS: '604800000', SUBSCRIPTION_CHECK_INTERVAL_MS: '2147483647' })).toEqual([]);
    // The queue timeout is no timer (the queue watcher compares elapsed time): no upper bound.
    expect(loadCcmConfig({ QUEUE_TIMEOUT_MS: '3000000000' }).queue.timeoutMs).toBe(3_000_000_000);
    expect(configProblems({ QUEUE_TIMEOUT_MS: '-1' })).toEqual([expect.stringMatching(/^QUEUE_TIMEOUT_MS: /)]);
  });

  it('should place the simulator on PORT + 1 in local mode and refuse the same port for both', () => {
    expect(loadCcmConfig({ PORT: '4000' })).toMatchObject({ port: 4000, localGraphPort: 4001 });
    expect(configProblems({ PORT: '4000', LOCAL_GRAPH_PORT: '4000' })).toEqual([
      'LOCAL_GRAPH_PORT: must differ from PORT (both are 4000); the simulator and ccm each need their own port',
    ]);
    expect(loadCcmConfig({}).database.connectTimeoutMs).toBe(30_000);
  });
});
