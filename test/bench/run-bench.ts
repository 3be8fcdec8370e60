/**
 * `npm run bench` — speed and memory, measured (never asserted in timed tests). One run, everything
 * side by side on this machine, each figure next to a baseline or target as a ratio:
 *
 * - every server (the raw baseline or ccm) is its own process pinned to core 0 (`taskset -c 0`);
 *   the load client (autocannon, its own process) and the Graph API double + end-to-end driver are
 *   pinned to core 1, so the client is never the server's competition — and the client's own CPU
 *   use is printed to show it is not the bottleneck;
 * - intake: signed one-event webhooks, a distinct body per request, at 16 and 50 connections:
 *   raw `node:http` verify + parse + 200 (the baseline) vs ccm on SQLite and on PostgreSQL (while it
 *   processes what it receives, and again with processing paused: intake alone);
 * - end to end: customer messages offered at 100/s and 500/s over 10 configured Pages (open loop),
 *   answered/s and reply latency (webhook posted → bot reply accepted by the Graph double), webhook
 *   ack latency, server CPU per answered message; first, in a row of its own, the fresh server's cold
 *   start (its first BENCH_COLD_SECONDS, default 3, at 100/s), so the windows measure steady state;
 * - memory: RSS idle, after 10,000 conversations (a 10,000-customer burst, also the capacity figure),
 *   and over a soak (BENCH_SOAK_SECONDS, default 60; the figure is 300).
 *
 * Prints a table and writes JSON (BENCH_OUT, default `bench-results.json`). The whole run takes
 * about 4 minutes plus the soak. Environment: BENCH_PG_URL (default the machine's PostgreSQL, a
 * throw-away schema), BENCH_INTAKE_SECONDS (10), BENCH_E2E_SECONDS (10), BENCH_E2E_RATES (`100,500`), BENCH_SKIP_PG=1, and
 * BENCH_PHASES (default all: `intake,alone,e2e,memory`) to run only some of the phases — `intake` is
 * the raw baseline and ccm with processing alongside, `alone` ccm with processing paused.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { E2eResult } from './bench-double';
import type { LoadResult } from './bench-load';
import type { ServerStats } from './bench-server';
import { loadRunPsidPrefix } from '../helpers/fixtures';
import {
  BenchDatabase,
  ccmEnv,
  load,
  PAGES,
  Pinned,
  PINNED,
  postgresDatabase,
  ROOT,
  SECRET,
  sqliteDatabase,
  startBuilt,
  startPinned,
} from './bench-support';

const INTAKE_SECONDS = Number(process.env.BENCH_INTAKE_SECONDS ?? 10);
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 10);
/** Offered rates of the end-to-end runs, in order, on one server (diagnosis: e.g. `100,100` for a cold and a warm run). */
/** The cold-start row: the first seconds offered to a fresh server (at 100/s), before the windows above. */
const COLD_SECONDS = Number(process.env.BENCH_COLD_SECONDS ?? 3);
const E2E_RATES = (process.env.BENCH_E2E_RATES ?? '100,500').split(',').map(Number);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
const SOAK_RATE = Number(process.env.BENCH_SOAK_RATE ?? 100);
const BURST = Number(process.env.BENCH_BURST ?? 10000);
const OUT = process.env.BENCH_OUT ?? join(ROOT, 'bench-results.json');
const PHASE_NAMES = ['intake', 'alone', 'e2e', 'memory'] as const;
const PHASES = new Set((process.env.BENCH_PHASES ?? PHASE_NAMES.join(',')).split(',').map((p) => p.trim()));
const unknownPhases = [...PHASES].filter((p) => !(PHASE_NAMES as readonly string[]).includes(p));
if (unknownPhases.length > 0)
  throw new Error(`BENCH_PHASES: unknown phase(s) ${unknownPhases.join(', ')}; known: ${PHASE_NAMES.join(', ')}`);

// ---- phases ----------------------------------------------------------------------------------

interface IntakeRow {
  server: string;
  connections: number;
  result: LoadResult;
  /** Server CPU per answered request, µs. */
  serverMicrosPerRequest: number;
}

async function intake(server: Pinned, label: string, runId: string): Promise<IntakeRow[]> {
  const base = { url: server.url, secret: SECRET, pageIds: PAGES.map((p) => p.pageId), customers: 500 };
  await load({ ...base, connections: 16, seconds: 2, runId: `${runId}w` }); // warm-up (JIT, pools, caches)
  const rows: IntakeRow[] = [];
  for (const connections of [16, 50]) {
    const before = await server.ask<ServerStats>({ cmd: 'stats' });
    const result = await load({ ...base, connections, seconds: INTAKE_SECONDS, runId: `${runId}c${connections}` });
    const after = await server.ask<ServerStats>({ cmd: 'stats' });
    rows.push({
      server: label,
      connections,
      result,
      serverMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, result.ok),
    });
    log(
      `  ${label} @${connections}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, client CPU ${(result.clientCpu * 100).toFixed(0)}%`,
    );
  }
  return rows;
}

interface E2eRow {
  database: string;
  rate: number;
  result: E2eResult;
  serverMicrosPerAnswer: number;
}

async function endToEnd(
  double: Pinned,
  server: Pinned,
  database: string,
  rate: number,
  runId: string,
  seconds = E2E_SECONDS,
): Promise<E2eRow> {
  const before = await server.ask<ServerStats>({ cmd: 'stats' });
  const result = await double.ask<E2eResult>({
    cmd: 'e2e',
    url: server.url,
    rate,
    seconds,
    customers: Math.max(100, rate * 2),
    runId,
    drainMs: 15_000,
  });
  const after = await server.ask<ServerStats>({ cmd: 'stats' });
  const row = { database, rate, result, serverMicrosPerAnswer: (after.cpuMicros - before.cpuMicros) / Math.max(1, result.answered) };
  log(
    `  ${database} e2e @${rate}/s: answered ${result.answeredPerSecond.toFixed(0)}/s, reply p50 ${result.replyP50} ms p99 ${result.replyP99} ms, ack p99 ${result.ackP99} ms, unanswered ${result.unanswered}`,
  );
  return row;
}

interface MemoryFigures {
  idleRssMb: number;
  burst: { conversations: number; answered: number; seconds: number; answeredPerSecond: number; intake: LoadResult };
  afterBurstRssMb: number;
  soak: { seconds: number; rate: number; samples: { t: number; rssMb: number; heapMb: number }[]; result?: E2eResult };
}

const mb = (bytes: number) => bytes / 1048576;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

// ---- report ----------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

async function main(): Promise<void> {
  const started = Date.now();
  if (!PINNED) log('WARNING: taskset or a second core is missing: server and client are NOT pinned; figures are not comparable.');
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg(),
    pinned: PINNED,
    intakeSeconds: INTAKE_SECONDS,
    e2eSeconds: E2E_SECONDS,
    soakSeconds: SOAK_SECONDS,
  };
  const runId = randomBytes(3).toString('hex');
  const double = await startPinned(1, 'bench-double.ts', [], {
    BENCH_SECRET: SECRET,
    BENCH_PAGES: JSON.stringify(PAGES),
    ...(process.env.BENCH_REPLY_LOG ? { BENCH_REPLY_LOG: process.env.BENCH_REPLY_LOG } : {}),
  });

  const intakeRows: IntakeRow[] = [];
  if (PHASES.has('intake') || PHASES.has('alone')) {
    log('== intake: raw node:http baseline ==');
    const raw = await startPinned(0, 'bench-server.ts', ['raw'], { FACEBOOK_APP_SECRET: SECRET });
    intakeRows.push(...(await intake(raw, 'raw node:http', `${runId}raw`)));
    await raw.stop();
  }

  for (const label of ['SQLite', ...(process.env.BENCH_SKIP_PG ? [] : ['PostgreSQL'])]) {
    const database = () => (label === 'SQLite' ? sqliteDatabase() : postgresDatabase());
    if (PHASES.has('intake')) {
      log(`== intake: ccm on ${label} ==`);
      const db = database();
      const server = await startPinned(0, 'bench-server.ts', ['ccm'], ccmEnv(double.url, db.url));
      intakeRows.push(...(await intake(server, `ccm ${label}`, `${runId}${label[0]}`)));
      await server.stop();
      await db.drop();
    }
    if (PHASES.has('alone')) {
      // The same, with processing paused (and a fresh database, so no leftover outbox work of the run
      // above is sent meanwhile): what the durable intake itself costs.
      const fresh = database();
      const alone = await startPinned(0, 'bench-server.ts', ['ccm'], { ...ccmEnv(double.url, fresh.url), BENCH_PROCESSING: 'off' });
      intakeRows.push(...(await intake(alone, `ccm ${label} (intake only)`, `${runId}${label[0]}i`)));
      await alone.stop();
      await fresh.drop();
    }
  }

  const e2eRows: E2eRow[] = [];
  let memory: MemoryFigures | undefined;
  // End to end on each database; memory on a fresh SQLite server of its own, so the burst does not
  // queue behind what the offered-load runs left unanswered.
  const runs: { kind: 'e2e' | 'memory'; db: BenchDatabase }[] = [
    ...(PHASES.has('e2e') ? [{ kind: 'e2e' as const, db: sqliteDatabase() }] : []),
    ...(PHASES.has('memory') ? [{ kind: 'memory' as const, db: sqliteDatabase() }] : []),
    ...(process.env.BENCH_SKIP_PG || !PHASES.has('e2e') ? [] : [{ kind: 'e2e' as const, db: postgresDatabase() }]),
  ];
  for (const { kind, db } of runs) {
    log(kind === 'e2e' ? `== end to end: ccm on ${db.label} ==` : '== memory (fresh ccm on SQLite, the built app) ==');
    // Memory is measured on the built app as production runs it (see startBuilt: the TypeScript
    // loader the other servers run under costs ~85 MB of RSS of its own).
    const server =
      kind === 'memory'
        ? await startBuilt(0, ccmEnv(double.url, db.url))
        : await startPinned(0, 'bench-server.ts', ['ccm'], {
            ...ccmEnv(double.url, db.url),
            // Diagnosis (see bench-server.ts): once a second, and every stall of the event loop.
            ...(process.env.BENCH_TRACE ? { BENCH_TRACE: process.env.BENCH_TRACE } : {}),
            ...(process.env.BENCH_TRACE_MESSAGES ? { BENCH_TRACE_MESSAGES: process.env.BENCH_TRACE_MESSAGES } : {}),
          });
    await new Promise((r) => setTimeout(r, 2000));
    const idle = await server.ask<ServerStats>({ cmd: 'stats', gc: true });
    if (kind === 'e2e') {
      // A fresh process's first seconds are its cold start (V8 compiling every path, the first
      // statements prepared, caches filled): at 100/s its first second took ~2x the CPU of a warm one
      // and its replies the ~300-400 ms tail that the 100/s window showed (p99 35 ms warm, same
      // minute). Measured in a row of its own, so the offered-load windows are steady state.
      e2eRows.push(
        await endToEnd(double, server, `${db.label} (cold start, ${COLD_SECONDS} s)`, 100, `${runId}${db.label[0]}cold`, COLD_SECONDS),
      );
      for (const rate of E2E_RATES)
        e2eRows.push(await endToEnd(double, server, db.label, rate, `${runId}${db.label[0]}e${rate}${e2eRows.length}`));
    }

    if (kind === 'memory') {
      log(`== memory: ${BURST} conversations, then a ${SOAK_SECONDS} s soak at ${SOAK_RATE}/s (SQLite) ==`);
      await double.ask({ cmd: 'burst-start' });
      const burstStart = Date.now();
      const prefix = loadRunPsidPrefix(`${runId}burst`);
      const burstIntake = await load({
        url: server.url,
        secret: SECRET,
        pageIds: PAGES.map((p) => p.pageId),
        connections: 16,
        amount: BURST,
        maxSeconds: 60,
        runId: `${runId}burst`,
      });
      const burst = await double.ask<{ answered: number; lastAt: number }>({ cmd: 'burst-wait', prefix, count: BURST, timeoutMs: 45_000 });
      const burstSeconds = (burst.lastAt - burstStart) / 1000;
      const afterBurst = await server.ask<ServerStats>({ cmd: 'stats', gc: true });
      log(`  ${burst.answered} of ${BURST} answered in ${burstSeconds.toFixed(1)} s; RSS ${mb(afterBurst.rss).toFixed(0)} MB`);
      const samples: MemoryFigures['soak']['samples'] = [];
      const soakStart = Date.now();
      const soakRun =
        SOAK_SECONDS > 0
          ? double.ask<E2eResult>({
              cmd: 'e2e',
              url: server.url,
              rate: SOAK_RATE,
              seconds: SOAK_SECONDS,
              customers: 2000,
              runId: `${runId}soak`,
              drainMs: 30_000,
            })
          : Promise.resolve(undefined);
      let soakDone = false;
      void soakRun.then(() => (soakDone = true));
      while (!soakDone && SOAK_SECONDS > 0) {
        const s = await server.ask<ServerStats>({ cmd: 'stats', gc: true });
        samples.push({ t: Math.round((Date.now() - soakStart) / 1000), rssMb: mb(s.rss), heapMb: mb(s.heapUsed) });
        await Promise.race([soakRun, new Promise((r) => setTimeout(r, Math.min(10_000, (SOAK_SECONDS * 1000) / 10)))]);
      }
      const soakResult = await soakRun;
      const end = await server.ask<ServerStats>({ cmd: 'stats', gc: true });
      samples.push({ t: Math.round((Date.now() - soakStart) / 1000), rssMb: mb(end.rss), heapMb: mb(end.heapUsed) });
      memory = {
        idleRssMb: mb(idle.rss),
        burst: {
          conversations: BURST,
          answered: burst.answered,
          seconds: burstSeconds,
          answeredPerSecond: burst.answered / burstSeconds,
          intake: burstIntake,
        },
        afterBurstRssMb: mb(afterBurst.rss),
        soak: { seconds: SOAK_SECONDS, rate: SOAK_RATE, samples, result: soakResult },
      };
    }
    await server.stop();
    await db.drop();
  }
  await double.stop();

  // ---- print ----
  const baseline = (c: number) => intakeRows.find((r) => r.server === 'raw node:http' && r.connections === c)?.result.rps ?? NaN;
  log(
    `\n== ccm bench ${meta.date} · ${meta.cpu} · ${meta.cores} cores · node ${meta.node} · load avg at start ${meta.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} ==`,
  );
  log('\nWebhook intake (signed 1-event webhooks, distinct bodies; server on core 0, autocannon on core 1)');
  log(
    table([
      ['server', 'conns', 'req/s', 'x baseline', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'server µs/req', 'client CPU'],
      ...intakeRows.map((r) => [
        r.server,
        String(r.connections),
        f0(r.result.rps),
        f2(r.result.rps / baseline(r.connections)),
        String(r.result.p50),
        String(r.result.p99),
        String(r.result.max),
        String(r.result.non2xx),
        String(r.result.errors + r.result.timeouts),
        f0(r.serverMicrosPerRequest),
        `${f0(r.result.clientCpu * 100)}%`,
      ]),
    ]),
  );
  log(`\nEnd to end (customer message → embedded bot reply at the Graph double; 10 Pages; ${E2E_SECONDS} s offered, open loop)`);
  log(
    table([
      [
        'database',
        'offered/s',
        'answered/s',
        'x offered',
        'reply p50',
        'reply p99',
        'reply max',
        'ack p50',
        'ack p99',
        'unanswered',
        'ack failures',
        'server µs/answer',
        'other Graph calls/msg',
      ],
      ...e2eRows.map((r) => [
        r.database,
        String(r.rate),
        f0(r.result.answeredPerSecond),
        f2(r.result.answeredPerSecond / r.rate),
        f0(r.result.replyP50),
        f0(r.result.replyP99),
        f0(r.result.replyMax),
        f0(r.result.ackP50),
        f0(r.result.ackP99),
        String(r.result.unanswered),
        String(r.result.ackFailures),
        r.result.answered > 0 ? f0(r.serverMicrosPerAnswer) : '-',
        f2(r.result.otherGraphCallsPerMessage),
      ]),
    ]),
  );
  if (memory) {
    const soakRss = memory.soak.samples.map((s) => s.rssMb);
    log('\nCapacity and memory (SQLite)');
    log(
      table([
        ['figure', 'value', 'target', 'ratio'],
        [
          `burst of ${BURST} new conversations: answered/s (${memory.burst.answered} answered)`,
          f0(memory.burst.answeredPerSecond),
          '2000',
          f2(memory.burst.answeredPerSecond / 2000),
        ],
        [`  webhook intake during the burst req/s (p99 ms)`, `${f0(memory.burst.intake.rps)} (${memory.burst.intake.p99})`, '', ''],
        ['RSS idle MB', f0(memory.idleRssMb), '150', f2(memory.idleRssMb / 150)],
        [
          `RSS after the burst MB (${memory.burst.intake.ok} of ${BURST} webhooks accepted)`,
          f0(memory.afterBurstRssMb),
          '300',
          f2(memory.afterBurstRssMb / 300),
        ],
        ...(soakRss.length
          ? [
              [
                `RSS over ${SOAK_SECONDS} s soak at ${SOAK_RATE}/s: first / max / last MB`,
                `${f0(soakRss[0])} / ${f0(Math.max(...soakRss))} / ${f0(soakRss[soakRss.length - 1])}`,
                'flat',
                f2(soakRss[soakRss.length - 1] / soakRss[0]),
              ],
              [
                `  soak replies: answered/s, p99 ms, unanswered`,
                `${f0(memory.soak.result?.answeredPerSecond ?? NaN)}, ${f0(memory.soak.result?.replyP99 ?? NaN)}, ${memory.soak.result?.unanswered ?? '-'}`,
                '',
                '',
              ],
            ]
          : []),
      ]),
    );
  }
  writeFileSync(
    OUT,
    JSON.stringify({ meta, intake: intakeRows, e2e: e2eRows, memory, totalSeconds: (Date.now() - started) / 1000 }, null, 2),
  );
  log(`\nJSON: ${OUT} · total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
