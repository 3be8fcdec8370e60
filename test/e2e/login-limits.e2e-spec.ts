import { ADMIN_KEY, AGENT_PASSWORD, callApi, createAgent } from '../helpers/agent-desk-client';
import { CcmHarness, startCcm } from '../helpers/ccm-harness';

function login(h: CcmHarness, username: string, password: string, forwardedFor?: string) {
  return callApi(h, '/api/auth/login', {
    body: { username, password },
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });
}

describe('login limits', () => {
  describe('without TRUST_PROXY (the default)', () => {
    let h: CcmHarness;
    beforeAll(async () => {
      h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, LOGIN_MAX_FAILURES: '5', LOGIN_MAX_FAILURES_PER_IP: '1000' } });
    });
    afterAll(() => h.close());

    it('should keep refusing a username with 429 and Retry-After however X-Forwarded-For is rotated', async () => {
      await createAgent(h, 'alice');
      for (let i = 0; i < 5; i++) expect((await login(h, 'alice', 'wrong-password', `198.51.100.${i}`)).status).toBe(401);
      const limited = await fetch(`${h.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.99' },
        body: JSON.stringify({ username: 'alice', password: 'wrong-password' }),
      });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(60);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('LOGIN_RATE_LIMITED');
      // Locked: even the right password, from yet another claimed address, is refused.
      expect((await login(h, 'alice', AGENT_PASSWORD, '192.0.2.1')).status).toBe(429);
      // Every attempt was counted against the real peer address, never the forged header.
      const ips = await h.persistence.db.selectFrom('login_failures').select('ip').distinct().execute();
      expect(ips.map((r) => r.ip)).toEqual(['127.0.0.1']);
    });

    it('should check exactly the allowed number of 30 parallel wrong passwords (check and record are atomic)', async () => {
      await createAgent(h, 'bob');
      const results = await Promise.all(Array.from({ length: 30 }, () => login(h, 'bob', 'wrong-password')));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    });
  });

  describe('with TRUST_PROXY=1 (one reverse proxy in front)', () => {
    let h: CcmHarness;
    beforeAll(async () => {
      h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, TRUST_PROXY: '1', LOGIN_MAX_FAILURES: '5', LOGIN_MAX_FAILURES_PER_IP: '8' } });
    });
    afterAll(() => h.close());

    it('should limit one client address across usernames, and let another address log in', async () => {
      await createAgent(h, 'carol');
      for (let i = 0; i < 8; i++) expect((await login(h, `nobody-${i}`, 'wrong-password', '203.0.113.7')).status).toBe(401);
      const limited = await login(h, 'carol', AGENT_PASSWORD, '203.0.113.7');
      expect(limited.status).toBe(429);
      const ok = await login(h, 'carol', AGENT_PASSWORD, '198.51.100.20');
      expect(ok.status).toBe(200);
      expect(ok.body.token).toEqual(expect.any(String));
      const ips = await h.persistence.db.selectFrom('login_failures').select('ip').distinct().execute();
      expect(ips.map((r) => r.ip)).toEqual(['203.0.113.7']);
    });
  });
});
