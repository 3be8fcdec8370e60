/**
 * Benchmarks (not tests): `npm run bench`. Every figure is printed next to a baseline measured in the
 * same run on the same machine, as a ratio.
 *
 * 1. Webhook intake: signed single-event webhooks posted to ccm (Fastify, signature check, mapping,
 *    durable journal write in SQLite, then 200) vs a raw node:http server that only checks the
 *    signature, parses and answers 200 (the floor any correct receiver pays).
 * 2. Outbox drain: a burst of 10,000 outbound messages to 1,000 customers, paced per Page, against the
 *    Graph double enforcing Meta's 300 calls/s: time to drain and (#613) errors, vs the configured rate.
 * 3. Memory: heap and RSS after the intake run.
 */
import 'reflect-metadata';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { loadCcmConfig } from '@app/config';
import { enqueueOutbound, OutboxDispatcher } from '@app/conversations';
import { GraphApiDouble, signWebhookBody, textMessageItem, webhookEnvelope } from '@app/graph-double';
import { PersistenceService } from '@app/persistence';
import { AppModule } from '../../apps/ccm/src/app.module';
import { configureApp, createFastifyAdapter } from '../../apps/ccm/src/create-app';

const SECRET = 'bench-app-secret-0123456789abcdef';
const TOKEN = 'EAAB-bench-token';
const PAGE = '1234567890';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = 16;
const OUTBOX = Number(process.env.BENCH_OUTBOX ?? 10000);

async function postAll(url: string, bodies: string[]): Promise<{ seconds: number; latencies: number[]; statuses: Map<number, number> }> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const t0 = process.hrtime.bigint();
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, SECRET) },
          body,
        });
        await r.arrayBuffer();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, latencies, statuses };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The baseline receiver: signature over the raw bytes, JSON.parse, 200. Nothing stored. */
async function rawReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? '').replace('sha256=', ''), 'hex');
      const expected = createHmac('sha256', SECRET).update(raw).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(403).end();
        return;
      }
      JSON.parse(raw.toString('utf8'));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('EVENT_RECEIVED');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startApp(
  graph: GraphApiDouble,
  extraEnv: Record<string, string> = {},
): Promise<{ app: NestFastifyApplication; url: string }> {
  const config = loadCcmConfig({
    FACEBOOK_APP_SECRET: SECRET,
    FACEBOOK_VERIFY_TOKEN: 'verify',
    FACEBOOK_PAGE_ACCESS_TOKEN: TOKEN,
    FACEBOOK_PAGE_ID: PAGE,
    FACEBOOK_GRAPH_API_URL: graph.url,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'ccm-bench-')), 'ccm.sqlite')}`,
    TOKEN_CHECK_INTERVAL_MS: '0',
    ...extraEnv,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), { logger: false, bodyParser: false });
  await configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

async function main(): Promise<void> {
  const now = Date.now();
  const bodies = Array.from({ length: REQUESTS }, (_, i) =>
    JSON.stringify(
      webhookEnvelope([
        {
          pageId: PAGE,
          messaging: [textMessageItem(PAGE, `psid-bench-${i % 500}`, 'where is my order', { mid: `m_bench_${i}`, timestamp: now + i })],
        },
      ]),
    ),
  );

  // 1. Intake.
  const raw = await rawReceiver();
  await postAll(raw.url, bodies.slice(0, 200)); // warm-up
  const baseline = await postAll(raw.url, bodies);
  await raw.close();

  const graph = await GraphApiDouble.start({ appSecret: SECRET, pages: [{ pageId: PAGE, accessToken: TOKEN }], sendRatePerSecond: 300 });
  const ccm = await startApp(graph);
  await postAll(
    `${ccm.url}/ccm/webhook`,
    bodies.slice(0, 200).map((b) => b.replace(/m_bench_/g, 'm_warm_')),
  ); // warm-up
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const measured = await postAll(`${ccm.url}/ccm/webhook`, bodies);
  global.gc?.();
  const memory = process.memoryUsage();
  await ccm.app.close();

  const rps = (r: { seconds: number; latencies: number[] }) => r.latencies.length / r.seconds;
  console.log('\n== Webhook intake (signed 1-event webhooks, %d requests, %d concurrent) ==', REQUESTS, CONCURRENCY);
  console.log(
    `baseline raw node:http (verify + parse + 200): ${rps(baseline).toFixed(0)} req/s, p50 ${percentile(baseline.latencies, 50).toFixed(2)} ms, p99 ${percentile(baseline.latencies, 99).toFixed(2)} ms`,
  );
  console.log(
    `ccm (Fastify + verify + map + durable journal on ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}, then 200, while processing): ${rps(measured).toFixed(0)} req/s, p50 ${percentile(measured.latencies, 50).toFixed(2)} ms, p99 ${percentile(measured.latencies, 99).toFixed(2)} ms`,
  );
  console.log(
    `ratio ccm / baseline: ${(rps(measured) / rps(baseline)).toFixed(2)}x throughput; statuses ${JSON.stringify(Object.fromEntries(measured.statuses))}`,
  );
  console.log(
    `memory after intake: heap ${(memory.heapUsed / 1048576).toFixed(0)} MB (${((memory.heapUsed - heapBefore) / 1048576).toFixed(1)} MB more than before the run${global.gc ? '' : '; run with --expose-gc for exact figures'}), rss ${(memory.rss / 1048576).toFixed(0)} MB`,
  );

  // 2. Outbox drain.
  graph.reset();
  const rate = 250;
  const drain = await startApp(graph, { SEND_RATE_PER_PAGE: String(rate) });
  const persistence = drain.app.get(PersistenceService);
  const t = Date.now();
  for (let c = 0; c < 1000; c++) {
    const conversation = await persistence.repos.conversations.ensure(
      { channel: 'messenger', pageId: PAGE, customerId: `psid-burst-${c}` },
      t,
    );
    await persistence.repos.conversations.update(conversation.id, { last_user_event_at: t });
  }
  const conversations = await persistence.db
    .selectFrom('conversations')
    .select('id')
    .where('customer_id', 'like', 'psid-burst-%')
    .execute();
  await persistence.transaction(async (repos) => {
    for (let i = 0; i < OUTBOX; i++)
      await enqueueOutbound(repos, conversations[i % conversations.length].id, 'bot', { kind: 'text', text: `burst message ${i}` }, t);
  });
  const start = Date.now();
  drain.app.get(OutboxDispatcher).kick();
  await graph.waitFor(() => graph.sentMessages().length >= OUTBOX, 10 * 60_000);
  const seconds = (Date.now() - start) / 1000;
  const throttled = graph.requests.filter((r) => (r.response as { error?: { code?: number } }).error?.code === 613).length;
  await drain.app.close();
  await graph.stop();
  console.log('\n== Outbox drain (%d messages to 1,000 customers, Graph double enforcing 300 calls/s) ==', OUTBOX);
  console.log(
    `drained in ${seconds.toFixed(1)} s = ${(OUTBOX / seconds).toFixed(0)} msg/s; configured page rate ${rate}/s; ratio ${(OUTBOX / seconds / rate).toFixed(2)}x of the configured rate; (#613) errors: ${throttled}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
