import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphApiDouble, MessengerSimulator } from '@app/graph-double';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { APP_SECRET, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, eventually } from '../helpers/ccm-harness';
import { spawnCcm, testPort } from '../helpers/ccm-process';
import { LIB_MIGRATIONS } from '../../apps/ccm/src/schema';
import { testPsid } from '../helpers/fixtures';

jest.setTimeout(120_000);

const SHUTDOWN_TIMEOUT_MS = 6000;

/** The real process gets SIGTERM in the middle of a burst of webhooks, and is started again. */
describe('graceful shutdown (SIGTERM)', () => {
  let graph: GraphApiDouble;

  afterEach(() => graph?.stop());

  it('should refuse new webhooks with 503, exit 0 within the timeout, and process every acknowledged event after the restart', async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'ccm-sigterm-')), 'ccm.sqlite');
    const port = testPort();
    // A slow Send API keeps replies queued and in flight when the signal arrives.
    graph = await GraphApiDouble.start({
      appSecret: APP_SECRET,
      pages: [{ pageId: PAGE_ID, accessToken: PAGE_TOKEN }],
      sendLatencyMs: 600,
    });
    const env = {
      PORT: String(port),
      DATABASE_URL: `sqlite:${dbFile}`,
      FACEBOOK_APP_SECRET: APP_SECRET,
      FACEBOOK_VERIFY_TOKEN: VERIFY_TOKEN,
      FACEBOOK_PAGE_ACCESS_TOKEN: PAGE_TOKEN,
      FACEBOOK_PAGE_ID: PAGE_ID,
      FACEBOOK_GRAPH_API_URL: graph.url,
      TOKEN_CHECK_INTERVAL_MS: '0',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    };
    let ccm = spawnCcm(env);
    await ccm.ready(port);
    const simulator = new MessengerSimulator({
      webhookUrl: `http://127.0.0.1:${port}/ccm/webhook`,
      appSecret: APP_SECRET,
      pageId: PAGE_ID,
    });

    // The burst: 300 customers, one message each; SIGTERM once 100 of them were acknowledged.
    const customers = Array.from({ length: 300 }, (_, i) => testPsid(`term-${i}`));
    let acknowledged = 0;
    const statuses = Promise.all(
      customers.map(async (psid) => {
        const status = await simulator
          .sendText(psid, 'where is my order', { mid: `m_term_${psid}` })
          .then((r) => r.response.status)
          .catch(() => 0); // connection refused once the server has closed
        if (status === 200 && ++acknowledged === 100) {
          ccm.child.kill('SIGTERM');
        }
        return { psid, status };
      }),
    );
    const results = await statuses;
    // A webhook arriving while the process drains is refused with 503 (Meta retries it).
    await eventually(async () => ccm.output().includes('draining: new webhooks get 503'), 10_000, 5);
    const late = (await simulator.sendText(testPsid('term-late'), 'hello', { mid: 'm_term_late' })).response;
    const code = await ccm.exited;

    expect(code).toBe(0);
    // Timed by the process's own log (signal received → stopped): this busy test process may notice
    // the exit late, which says nothing about how long ccm took.
    const loggedAt = (msg: string) => {
      const line = ccm
        .output()
        .split('\n')
        .find((l) => l.includes(`"msg":"${msg}"`));
      return line ? Date.parse((JSON.parse(line) as { time: string }).time) : NaN;
    };
    const stoppedAfterMs = loggedAt('stopped') - loggedAt('SIGTERM received: stopping gracefully');
    expect(stoppedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 5000);
    expect(ccm.output()).toContain('SIGTERM received: stopping gracefully');
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('5');
    const acked = results.filter((r) => r.status === 200).map((r) => r.psid);
    expect(results.every((r) => [200, 503, 0].includes(r.status))).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(100);

    // Restart on the same database: everything acknowledged gets its one answer.
    ccm = spawnCcm(env);
    try {
      await ccm.ready(port);
      await graph.waitFor(() => acked.every((psid) => graph.sentMessages(psid).length >= 1), 60_000);
      const open = await openDatabase({ dialect: 'sqlite', url: dbFile });
      await migrateToLatest(open, LIB_MIGRATIONS);
      const db = new PersistenceService(open);
      try {
        await eventually(async () => ((await db.repos.journal.countByStatus()).pending ?? 0) === 0, 20_000, 100);
        const done = await db.db.selectFrom('inbound_events').select('customer_id').where('status', '=', 'done').execute();
        const processed = new Set(done.map((r) => r.customer_id));
        for (const psid of acked) expect(processed.has(psid)).toBe(true);
      } finally {
        await db.close();
      }
      for (const psid of acked) expect(graph.sentMessages(psid)).toHaveLength(1);
    } finally {
      await ccm.kill('SIGTERM');
    }
  });
});
