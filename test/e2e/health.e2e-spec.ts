import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LifecycleState } from '@app/observability';
import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres';

const DB_TIMEOUT_MS = 500;

async function get(h: CcmHarness, path: string): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${h.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, ms: Date.now() - started };
}

/** The server process and its backends (all of the private cluster), to freeze the database without stopping it. */
function clusterPids(pg: PrivatePostgres): number[] {
  const postmaster = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
  return [postmaster, ...children];
}

describe('health on a PostgreSQL the test controls', () => {
  let pg: PrivatePostgres;
  let h: CcmHarness;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    h = await startCcm({ databaseUrl: pg.url, env: { HEALTH_DB_TIMEOUT_MS: String(DB_TIMEOUT_MS) } });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await pg?.destroy();
  });

  it('should be live and ready with every check reported', async () => {
    expect(await get(h, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await get(h, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: {
        database: { status: 'up', dialect: 'postgres' },
        redis: { status: 'up', configured: false },
        pages: { status: 'up' },
        intake: { status: 'up', pending: 0 },
        lifecycle: { status: 'up' },
      },
    });
  });

  it('should turn ready to 503 while the database is unreachable and back to 200 after', async () => {
    await pg.stop();
    const down = await get(h, '/health/ready');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    expect((await get(h, '/health/live')).status).toBe(200); // the process is fine: no restart wanted
    await pg.start();
    await eventually(async () => (await get(h, '/health/ready')).status === 200, 10_000, 200);
  }, 60_000);

  it('should answer 503 within the timeout instead of hanging while the database hangs', async () => {
    const pids = clusterPids(pg);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      const ready = await get(h, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ error: { database: { status: 'down', message: expect.stringContaining('within') } } });
      expect(ready.ms).toBeLessThan(DB_TIMEOUT_MS + 1500);
      const detailed = await get(h, '/health');
      expect(detailed.status).toBe(503);
      expect(detailed.body).toMatchObject({ status: 'unavailable' });
      expect(detailed.ms).toBeLessThan(DB_TIMEOUT_MS + 1500);
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await eventually(async () => (await get(h, '/health/ready')).status === 200, 10_000, 200);
  }, 60_000);

  it('should not be ready once the instance is shutting down', async () => {
    h.app.get(LifecycleState).beginDrain();
    const ready = await get(h, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ error: { lifecycle: { status: 'down', message: 'shutting down' } } });
  });
});
