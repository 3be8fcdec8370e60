import { mkdtempSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCcm, testPort } from '../helpers/ccm-process';

/** Issue 15, item 4: each bad configuration stops the real entry point with one message naming the variable. */
describe('ccm startup: configuration and environment problems', () => {
  jest.setTimeout(90_000);
  const sqlite = () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'ccm-cfg-')), 'ccm.sqlite')}`;

  /** Runs ccm until it exits; returns its exit code and everything it printed. */
  async function startupFailure(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
    const child = spawnCcm({ DATABASE_URL: sqlite(), ...env });
    const timer = setTimeout(() => child.child.kill('SIGKILL'), 60_000);
    const code = await child.exited;
    clearTimeout(timer);
    return { code, out: child.output() };
  }

  function expectOneMessage(out: string): void {
    expect(out).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
    expect(out).not.toContain('RangeError');
    expect(out).not.toContain('(got null)');
    expect(out).not.toMatch(/listening on/);
  }

  it('should name an unknown time zone, a non-numeric port and a word as threshold together, before anything listens', async () => {
    const [zone, port, threshold] = await Promise.all([
      startupFailure({ BUSINESS_HOURS: 'Mon-Fri 09:00-18:00 Europe/Berln' }),
      startupFailure({ PORT: 'abc', FB_ROUTING_POLICY: 'SOMETIMES' }),
      startupFailure({ BOT_CONFIDENCE_THRESHOLD: 'high', REDIS_URL: 'redis://:::1', BOT_INTENTS_FILE: '/nonexistent/intents.json' }),
    ]);
    expect(zone.code).toBe(1);
    expect(zone.out).toContain('Invalid configuration (1 problem)');
    expect(zone.out).toContain('BUSINESS_HOURS: unknown time zone "Europe/Berln"');
    expectOneMessage(zone.out);

    expect(port.code).toBe(1);
    expect(port.out).toContain('Invalid configuration (2 problems)');
    expect(port.out).toContain('PORT: must be a whole number from 0 to 65535 (got "abc")');
    expect(port.out).toContain('FB_ROUTING_POLICY: must be one of DEFAULT, BOT_ONLY, AGENT_ONLY');
    expectOneMessage(port.out);

    expect(threshold.code).toBe(1);
    expect(threshold.out).toContain('BOT_CONFIDENCE_THRESHOLD: must be a number from 0 to 1 (got "high")');
    expect(threshold.out.match(/BOT_CONFIDENCE_THRESHOLD/g)).toHaveLength(1);
    expect(threshold.out).toContain('REDIS_URL: is not a valid URL');
    // A missing intents file is part of the same report (it used to end startup later, with a stack).
    expect(threshold.out).toContain('BOT_INTENTS_FILE: cannot read "/nonexistent/intents.json" (ENOENT)');
    expect(threshold.out).toContain('Invalid configuration (3 problems)');
    expectOneMessage(threshold.out);
  });

  describe('with ports taken by another process', () => {
    const servers: Server[] = [];
    const occupy = (port: number) =>
      new Promise<void>((resolve) => {
        const server = createServer();
        servers.push(server);
        server.listen(port, '0.0.0.0', () => resolve());
      });
    afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

    it('should name the busy port and its variable (PORT, not the port after it)', async () => {
      const port = testPort();
      await occupy(port);
      const { code, out } = await startupFailure({ PORT: String(port) });
      expect(code).toBe(1);
      expect(out).toContain(`ccm cannot start: PORT: port ${port} is already in use by another process`);
      expect(out).not.toContain(String(port + 1));
      expectOneMessage(out);
    });

    it('should name LOCAL_GRAPH_PORT when only the simulator port is busy', async () => {
      const port = testPort();
      await occupy(port + 1);
      const { code, out } = await startupFailure({ PORT: String(port) });
      expect(code).toBe(1);
      expect(out).toContain(`LOCAL_GRAPH_PORT: port ${port + 1} is already in use`);
      expect(out).not.toContain(`PORT: port ${port} `);
      expectOneMessage(out);
    });
  });

  it('should retry an unreachable PostgreSQL with one line per attempt naming host and cause, then give up', async () => {
    // Nothing listens on this port: connection refused, retried with backoff for 2.5 s.
    const { code, out } = await startupFailure({
      PORT: String(testPort()),
      DATABASE_URL: 'postgres://ccm:secret-pw@127.0.0.1:9/ccm',
      DATABASE_CONNECT_TIMEOUT_MS: '2500',
    });
    expect(code).toBe(1);
    const retries = out.split('\n').filter((l) => /database at 127\.0\.0\.1:9 is unreachable \(.*ECONNREFUSED/.test(l));
    expect(retries.length).toBeGreaterThanOrEqual(3); // at least two retries plus the final line
    expect(out).toMatch(/retrying in 0\.5 s[\s\S]*retrying in 1\.0 s/); // backoff grows
    expect(out).toMatch(/ccm cannot start: database at 127\.0\.0\.1:9 is unreachable \(.*ECONNREFUSED.*\); gave up after 3 s/);
    expect(out).not.toContain('secret-pw');
    expectOneMessage(out);
  });
});
