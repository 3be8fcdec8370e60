import { request } from 'node:http';
import { ADMIN_KEY, AGENT_PASSWORD, callApi, createAgent } from '../helpers/agent-desk-client';
import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';

function login(h: CcmHarness, username: string, password: string, forwardedFor?: string) {
  return callApi(h, '/api/auth/login', {
    body: { username, password },
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });
}

/** A login from a chosen loopback address (127.0.0.0/8 is all this host): one client per address, no TRUST_PROXY needed. */
function loginFrom(h: CcmHarness, localAddress: string, username: string, password: string, forwardedFor?: string): Promise<number> {
  const body = JSON.stringify({ username, password });
  const forwarded = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  return new Promise((resolve, reject) => {
    const req = request(
      `${h.url}/api/auth/login`,
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...forwarded },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function metric(h: CcmHarness, series: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
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

  describe('with TRUST_PROXY as a list of proxy addresses/CIDRs', () => {
    let h: CcmHarness;
    beforeAll(async () => {
      h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, TRUST_PROXY: '127.0.0.2/32, 10.0.0.0/8' } });
    });
    afterAll(() => h.close());

    it('should believe X-Forwarded-For from a listed proxy only', async () => {
      expect(await loginFrom(h, '127.0.0.2', 'nobody', 'wrong-password', '203.0.113.50')).toBe(401); // through the proxy
      expect(await loginFrom(h, '127.0.0.5', 'nobody', 'wrong-password', '203.0.113.51')).toBe(401); // a client claiming an address
      const ips = await h.persistence.db.selectFrom('login_failures').select('ip').orderBy('id').execute();
      expect(ips.map((r) => r.ip)).toEqual(['203.0.113.50', '127.0.0.5']);
    });
  });

  describe('a flood of 300 parallel wrong-password logins from 300 addresses', () => {
    let h: CcmHarness;
    beforeAll(async () => {
      h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, LOGIN_MAX_FAILURES: '5', LOGIN_MAX_CONCURRENT_HASHES: '2' } });
    });
    afterAll(() => h.close());

    it('should let a real agent in while the flood goes on, hashing nothing for made-up usernames', async () => {
      await createAgent(h, 'alice'); // (their logins time the first real password checks)
      await createAgent(h, 'bob');
      const checksBefore = await metric(h, 'ccm_password_checks_total');

      // 300 attackers, each from its own address, each trying up to 20 times (its per-address allowance)
      // until the real agent is in. Most make up usernames; every 30th goes for the real agent "bob".
      let stop = false;
      let inFlight = 0;
      const statuses = new Map<string, number[]>();
      const attacker = async (i: number) => {
        const address = `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`;
        const target = i % 30 === 0 ? 'bob' : undefined;
        for (let n = 0; n < 20 && !stop; n++) {
          inFlight++;
          const status = await loginFrom(h, address, target ?? `ghost-${i}-${n}`, `wrong-password-${n}`);
          inFlight--;
          const key = target ?? 'ghost';
          statuses.set(key, [...(statuses.get(key) ?? []), status]);
        }
      };
      const flood = Promise.all(Array.from({ length: 300 }, (_, i) => attacker(i)));
      // The flood is well under way: the server has taken in (and recorded) at least 100 of its attempts.
      const failures = async () =>
        (
          await h.persistence.db
            .selectFrom('login_failures')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n;
      await eventually(async () => Number(await failures()) >= 100, 30_000, 50);

      const real = await loginFrom(h, '127.0.0.2', 'alice', AGENT_PASSWORD);
      const floodStillGoing = !stop && inFlight > 0;
      stop = true;
      await flood;

      expect(real).toBe(200);
      expect(floodStillGoing).toBe(true);
      // Every made-up username was refused as a wrong password, never an error…
      expect(new Set(statuses.get('ghost'))).toEqual(new Set([401]));
      // …the real username under attack locked after LOGIN_MAX_FAILURES, from whatever address…
      expect(statuses.get('bob')!.filter((s) => s === 401)).toHaveLength(5);
      expect(new Set(statuses.get('bob')!.filter((s) => s !== 401))).toEqual(new Set([429]));
      // …and the only password hashes computed were bob's five and alice's one: the flood took no hashing slots.
      expect((await metric(h, 'ccm_password_checks_total')) - checksBefore).toBe(6);
      expect(await metric(h, 'ccm_logins_total{outcome="success"}')).toBeGreaterThanOrEqual(3); // createAgent ×2 + alice
    }, 60_000); // seconds on an idle machine; room for a busy one
  });
});
