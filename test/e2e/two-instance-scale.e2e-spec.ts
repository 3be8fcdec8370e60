import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { HttpBotRequest } from '@app/bot';
import { GraphApiDouble, RecordedRequest, signWebhookBody, textMessageItem, webhookEnvelope } from '@app/graph-double';
import { openDatabase, PersistenceService } from '@app/persistence';
import { createPostgresTestDatabase, HttpBotDouble } from '@app/testing';
import { APP_SECRET, eventually, VERIFY_TOKEN } from '../helpers/ccm-harness';
import { CcmProcess, spawnCcm, testPort } from '../helpers/ccm-process';

const REDIS_URL = process.env.CCM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BOT_SECRET = 'scale-test-bot-secret-0123456789';

/** Low enough that the limiter is what sets the pace: 5 Pages × 20 calls/s for 2,000 replies. */
const RATE = 20;
const PAGES = 5;
const CUSTOMERS_PER_PAGE = 40;
const MESSAGES_PER_CUSTOMER = 10;
const TOTAL = PAGES * CUSTOMERS_PER_PAGE * MESSAGES_PER_CUSTOMER;

// About a minute and a half on a quiet 2-core machine; far longer when it is shared with other work
// (every wait below is for a condition, with room for that).
jest.setTimeout(420_000);

/** The most calls that fall in one window of `windowMs` (any offset): sorted times, two pointers. */
function maxInWindow(times: readonly number[], windowMs = 1000): { count: number; at: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let best = { count: 0, at: 0 };
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    if (end - start + 1 > best.count) best = { count: end - start + 1, at: sorted[start] };
  }
  return best;
}

/**
 * Issue #11's must-show, with real processes: two ccm instances on a database of their own on the
 * machine's PostgreSQL and on its Redis, behind a "load balancer" that is this test (webhooks spread
 * over both, a refused delivery retried on the other one, as Meta retries). 2,000 customer messages
 * of 200 conversations on 5 Pages, 10 % of them delivered twice; one instance is SIGKILLed mid-run
 * and started again. The Graph double answers every call and echoes every message (Meta's
 * `message_echoes`) to both instances. Afterwards: each message stored once, each reply sent once and
 * in the order of the customer's messages, and no Page got more than SEND_RATE_PER_PAGE calls
 * (messages and sender actions, both instances together) in any one-second window.
 */
describe('two instances, 2,000 webhooks, one SIGKILL', () => {
  const pages = Array.from({ length: PAGES }, (_, i) => ({
    pageId: `7${randomBytes(5).readUIntBE(0, 5).toString().padStart(13, '0')}${i}`,
    accessToken: `EAAB-scale-${i}-${randomBytes(8).toString('hex')}`,
  }));
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
  let graph: GraphApiDouble;
  let bot: HttpBotDouble;
  const ports = [testPort(), testPort() + 1];
  const instances: (CcmProcess | undefined)[] = [undefined, undefined];
  /** Every process started, the killed one included (its log explains a failure too). */
  const spawned: CcmProcess[] = [];
  const start = (n: number) => {
    instances[n] = spawnCcm(env(ports[n]));
    spawned.push(instances[n]);
    return instances[n];
  };

  const env = (port: number) => ({
    PORT: String(port),
    DATABASE_URL: database.url,
    REDIS_URL,
    FACEBOOK_APP_SECRET: APP_SECRET,
    FACEBOOK_VERIFY_TOKEN: VERIFY_TOKEN,
    FACEBOOK_PAGES: JSON.stringify(pages.map((p) => ({ id: p.pageId, accessToken: p.accessToken }))),
    FACEBOOK_GRAPH_API_URL: graph.url,
    TOKEN_CHECK_INTERVAL_MS: '0',
    SEND_RATE_PER_PAGE: String(RATE),
    BOT_CONNECTOR: 'http',
    BOT_HTTP_URL: bot.url,
    BOT_HTTP_SECRET: BOT_SECRET,
    // Short leases, so the killed instance's work is taken over within seconds.
    WORK_LEASE_MS: '5000',
    // The bot shares this (busy) test process with the load: slow answers are not failures here.
    BOT_TIMEOUT_MS: '30000',
    BOT_CIRCUIT_FAILURES: '1000',
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    database = await createPostgresTestDatabase();
    bot = await HttpBotDouble.start(BOT_SECRET, (turn: HttpBotRequest) => ({
      intent: 'echo',
      confidence: 1,
      messages: [`re: ${turn.event.text}`],
    }));
    // Every 10th turn is slow (past the moment after which ccm shows "typing…": two sender actions).
    bot.latency = (request) => (/ m9$/.test((request.body as HttpBotRequest | undefined)?.event.text ?? '') ? 600 : 0);
    graph = await GraphApiDouble.start({
      appSecret: APP_SECRET,
      pages,
      echoes: { webhookUrl: ports.map((p) => `http://127.0.0.1:${p}/ccm/webhook`), retryForMs: 120_000 },
    });
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i?.kill('SIGKILL')));
    await graph?.stop();
    await bot?.stop();
    await database?.drop();
  });

  it('should store every message once and send every reply once, in order, within the Page rate over both instances', async () => {
    const started = Date.now();
    // Both start at once, on an empty database (both migrate it).
    await Promise.all([0, 1].map((n) => start(n).ready(ports[n], 60_000)));
    const readyAfter = Date.now() - started;

    // --- The load balancer: a refused or failed delivery goes to the other instance (Meta retries). ---
    let acknowledged = 0;
    let refused = 0;
    // node:http with keep-alive: fetch costs this (shared, busy) process far more CPU per request.
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const post = (raw: string, port: number) =>
      new Promise<boolean>((resolve) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/ccm/webhook',
            method: 'POST',
            agent,
            timeout: 15_000,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(raw),
              'x-hub-signature-256': signWebhookBody(raw, APP_SECRET),
            },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode === 200));
            response.on('error', () => resolve(false));
          },
        );
        request.on('timeout', () => request.destroy());
        request.on('error', () => resolve(false));
        request.end(raw);
      });
    const deliver = async (raw: string, first: number): Promise<void> => {
      const deadline = Date.now() + 60_000;
      for (let attempt = 0; ; attempt++) {
        if (await post(raw, ports[(first + attempt) % 2])) {
          acknowledged += 1;
          return;
        }
        refused += 1;
        if (Date.now() > deadline) throw new Error('a webhook was refused by both instances for a minute');
        if (attempt % 2 === 1) await new Promise((r) => setTimeout(r, 100)); // both refused: back off a little
      }
    };

    // --- The customers: each writes 10 messages, one after the other; all 200 at once. ---
    const mids: string[] = [];
    const duplicates: Promise<void>[] = [];
    let sequence = 0;
    const customer = async (page: (typeof pages)[number], psid: string) => {
      for (let k = 0; k < MESSAGES_PER_CUSTOMER; k++) {
        const n = sequence++;
        const mid = `m_scale_${psid}_${k}`;
        mids.push(mid);
        const item = textMessageItem(page.pageId, psid, `${psid} m${k}`, { mid, timestamp: Date.now() });
        const raw = JSON.stringify(webhookEnvelope([{ pageId: page.pageId, messaging: [item] }]));
        const first = n % 2;
        if (n % 20 === 3) {
          // Delivered twice, to both instances at the same moment.
          await Promise.all([deliver(raw, first), deliver(raw, 1 - first)]);
        } else {
          await deliver(raw, first);
          // Delivered twice, the second time a little later, to the other instance.
          if (n % 20 === 13) duplicates.push(new Promise((r) => setTimeout(r, 200 + (n % 1500))).then(() => deliver(raw, 1 - first)));
        }
        await new Promise((r) => setTimeout(r, 50 + (n % 200))); // the customer types the next one
      }
    };
    const customers = pages.flatMap((page, p) => Array.from({ length: CUSTOMERS_PER_PAGE }, (_, c) => ({ page, psid: `psid-s${p}-${c}` })));
    const load = Promise.all(customers.map(({ page, psid }) => customer(page, psid)));

    // --- Mid-run: instance 1 is SIGKILLed with webhooks, turns and sends in flight, and started again. ---
    // Webhooks still coming in and, normally, replies going out (a starved machine may not have sent any yet).
    await eventually(
      async () => acknowledged >= TOTAL * 0.4 && (graph.sentMessages().length >= 20 || acknowledged >= TOTAL * 0.7),
      120_000,
      10,
    );
    await instances[1]!.kill('SIGKILL');
    const atKill = { acknowledged, sent: graph.sentMessages().length, at: Date.now() - started };
    await start(1).ready(ports[1], 60_000);
    const backAfter = Date.now() - started - atKill.at;

    await load;
    await Promise.all(duplicates);
    agent.destroy();
    expect(atKill.acknowledged).toBeLessThan(acknowledged); // the kill came mid-run
    const webhooksDone = Date.now() - started;

    // --- Wait until everything is answered and idle: every reply sent and echoed, nothing queued or leased. ---
    const db = new PersistenceService(await openDatabase({ dialect: 'postgres', url: database.url }));
    try {
      /** Where things stand, and what the instances warned about: said when a wait times out. */
      const explain = async (error: unknown) => {
        const journal = await db.repos.journal.countByStatus();
        const outbox = await db.db
          .selectFrom('messages')
          .select((eb) => ['status', eb.fn.countAll().as('n')])
          .where('direction', '=', 'out')
          .groupBy('status')
          .execute();
        const warnings = spawned
          .flatMap((i) => i.output().split('\n'))
          .filter((line) => /"level":"(warn|error)"/.test(line))
          .slice(-20);
        return new Error(
          `${error instanceof Error ? error.message : String(error)}; sent ${graph.sentMessages().length} of ${TOTAL}, ` +
            `${graph.deliveredEchoes.length} echoes delivered, journal ${JSON.stringify(journal)}, outbox ${JSON.stringify(outbox)}; ` +
            `last warnings:\n${warnings.join('\n')}`,
        );
      };
      await graph
        .waitFor(() => graph.sentMessages().length >= TOTAL, 300_000)
        .catch(async (error: unknown) => {
          throw await explain(error);
        });
      await eventually(
        async () => {
          if (graph.deliveredEchoes.length < graph.sentMessages().length) return false;
          const pending = (await db.repos.journal.countByStatus()).pending ?? 0;
          const queued = await db.db.selectFrom('messages').select('id').where('status', '=', 'queued').execute();
          const leased = (await db.queues.journal.countLeased(Date.now())) + (await db.queues.outbox.countLeased(Date.now()));
          return pending === 0 && queued.length === 0 && leased === 0;
        },
        60_000,
        200,
      ).catch(async (error: unknown) => {
        throw await explain(error);
      });
      // Stopped gracefully: whatever either instance still had in hand is finished or given back.
      await Promise.all(instances.map((i) => i!.kill('SIGTERM')));
      const finished = Date.now() - started;

      // Every message stored once.
      const inbound = await db.db.selectFrom('messages').select(['mid']).where('direction', '=', 'in').execute();
      expect(inbound).toHaveLength(TOTAL);
      expect(new Set(inbound.map((m) => m.mid))).toEqual(new Set(mids));
      expect(await db.repos.journal.countByStatus()).toEqual({ done: expect.any(Number) });

      // Every reply stored once and sent once, in the order the customer wrote.
      const outbound = await db.db.selectFrom('messages').select(['status', 'mid']).where('direction', '=', 'out').execute();
      expect(outbound).toHaveLength(TOTAL);
      expect(outbound.filter((m) => m.status !== 'sent' || m.mid === null)).toEqual([]);
      const wrong = customers.filter(
        ({ psid }) =>
          JSON.stringify(graph.sentTexts(psid)) !==
          JSON.stringify(Array.from({ length: MESSAGES_PER_CUSTOMER }, (_, k) => `re: ${psid} m${k}`)),
      );
      expect(wrong.map(({ psid }) => ({ psid, sent: graph.sentTexts(psid) }))).toEqual([]);
      expect(graph.sentMessages()).toHaveLength(TOTAL);
      expect(new Set(outbound.map((m) => m.mid))).toEqual(
        new Set(graph.sentMessages().map((r) => (r.response as { message_id: string }).message_id)),
      );

      // No Page over its rate in any one-second window, both instances together, every call counted.
      const callsOf = (token: string) => graph.requests.filter((r: RecordedRequest) => r.accessToken === token).map((r) => r.at);
      const windows = pages.map((p) => ({ page: p.pageId, calls: callsOf(p.accessToken).length, ...maxInWindow(callsOf(p.accessToken)) }));
      const senderActions = graph.requests.filter((r) => (r.body as { sender_action?: string }).sender_action !== undefined).length;
      process.stdout.write(
        `two-instance scale: ready in ${readyAfter} ms; SIGKILL at ${atKill.at} ms (${atKill.acknowledged} webhooks acknowledged, ${atKill.sent} replies sent), ` +
          `back after ${backAfter} ms; webhooks done at ${webhooksDone} ms (${acknowledged} acknowledged, ${refused} refused and retried); ` +
          `all answered and idle at ${finished} ms; ${senderActions} sender actions; busiest second per Page: ${windows.map((w) => `${w.count}/${w.calls}`).join(', ')}\n`,
      );
      expect(windows.filter((w) => w.count > RATE)).toEqual([]);
      // Sender actions were part of it (slow turns show "typing…"). Whether a Page reached its full rate
      // depends on the machine (a busy one answers slower than the rate): reported above, not asserted.
      expect(senderActions).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
