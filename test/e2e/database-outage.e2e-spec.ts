import { Client } from 'pg';
import { GraphApiDouble, signWebhookBody, textMessageItem, webhookEnvelope } from '@app/graph-double';
import { APP_SECRET, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, eventually } from '../helpers/ccm-harness';
import { CcmProcess, spawnCcm, testPort } from '../helpers/ccm-process';
import { PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres';
import { testPsid } from '../helpers/fixtures';

/**
 * PostgreSQL goes away for 15 s while customers keep writing (issue 11). ccm runs as its own process
 * (so "stays up" means the real process) on a PostgreSQL this test starts itself on another port —
 * the machine's PostgreSQL is never touched. While the database is down webhooks are answered 503
 * (Meta delivers them again later); ccm recovers by itself when it is back, and every message that
 * got a 200 is stored and answered.
 */
describe('PostgreSQL outage', () => {
  let pg: PrivatePostgres;
  let graph: GraphApiDouble;
  let ccm: CcmProcess;
  let port: number;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    graph = await GraphApiDouble.start({ appSecret: APP_SECRET, pages: [{ pageId: PAGE_ID, accessToken: PAGE_TOKEN }] });
    port = testPort();
    ccm = spawnCcm({
      PORT: String(port),
      FACEBOOK_APP_SECRET: APP_SECRET,
      FACEBOOK_VERIFY_TOKEN: VERIFY_TOKEN,
      FACEBOOK_PAGE_ACCESS_TOKEN: PAGE_TOKEN,
      FACEBOOK_PAGE_ID: PAGE_ID,
      FACEBOOK_GRAPH_API_URL: graph.url,
      DATABASE_URL: pg.url,
      TOKEN_CHECK_INTERVAL_MS: '0',
      INBOUND_RETRY_BASE_MS: '200',
    });
    await ccm.ready(port);
  }, 90_000);

  afterAll(async () => {
    await ccm?.kill('SIGKILL');
    await graph?.stop();
    await pg?.destroy();
  });

  function expectAlive(): void {
    if (ccm.child.exitCode !== null) throw new Error(`ccm exited with ${ccm.child.exitCode}:\n${ccm.output().slice(-4000)}`);
  }

  let seq = 0;
  async function post(psid: string): Promise<{ status: number; mid: string }> {
    const mid = `m_outage_${++seq}`;
    const body = JSON.stringify(
      webhookEnvelope([
        { pageId: PAGE_ID, messaging: [textMessageItem(PAGE_ID, psid, 'where is my order', { mid, timestamp: Date.now() })] },
      ]),
    );
    const response = await fetch(`http://127.0.0.1:${port}/ccm/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, APP_SECRET) },
      body,
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    await response?.arrayBuffer();
    return { status: response?.status ?? 0, mid };
  }

  it('answers 503 while the database is down, stays up, recovers by itself and loses nothing that got a 200', async () => {
    const accepted = new Map<string, string>(); // mid → psid
    const statuses: number[] = [];
    const now: { phase: 'before' | 'down' | 'after' } = { phase: 'before' };
    const duringOutage: number[] = [];
    let stopSending = false;
    const sender = (async () => {
      for (let i = 0; !stopSending; i++) {
        const psid = testPsid(`outage-${i % 10}`);
        const sentIn = now.phase; // a request sent before the stop completed may still commit
        const { status, mid } = await post(psid);
        statuses.push(status);
        if (sentIn === 'down' && now.phase === 'down') duringOutage.push(status);
        if (status === 200) accepted.set(mid, psid);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    await eventually(async () => accepted.size >= 20, 20_000, 50);
    await pg.stop();
    now.phase = 'down';
    await new Promise((r) => setTimeout(r, 15_000));
    expectAlive();
    // From here PostgreSQL may accept connections before pg.start() returns: a request completing in
    // that gap rightly gets a 200, so the outage window closes before the restart begins.
    now.phase = 'after';
    await pg.start();
    // Recovers by itself: new webhooks are stored again.
    const acceptedBeforeRecovery = accepted.size;
    await eventually(async () => accepted.size >= acceptedBeforeRecovery + 20, 30_000, 100);
    stopSending = true;
    await sender;

    expectAlive();
    expect(duringOutage.filter((s) => s === 503).length).toBeGreaterThan(10);
    expect(duringOutage.filter((s) => s === 200)).toEqual([]);
    expect(new Set(statuses.filter((s) => s !== 200 && s !== 503))).toEqual(new Set());

    // Nothing that got a 200 is lost: stored once, and answered.
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      await eventually(
        async () => {
          const rows = await client.query<{ mid: string }>(`select mid from messages where direction = 'in'`);
          const stored = new Set(rows.rows.map((r) => r.mid));
          return [...accepted.keys()].every((mid) => stored.has(mid));
        },
        60_000,
        250,
      );
      const stored = await client.query<{ mid: string; n: string }>(
        `select mid, count(*) as n from messages where direction = 'in' group by mid having count(*) > 1`,
      );
      expect(stored.rows).toEqual([]);
    } finally {
      await client.end();
    }
    const perCustomer = new Map<string, number>();
    for (const psid of accepted.values()) perCustomer.set(psid, (perCustomer.get(psid) ?? 0) + 1);
    await eventually(async () => [...perCustomer].every(([psid, n]) => graph.sentMessages(psid).length >= n), 60_000, 250);
  }, 180_000);
});
