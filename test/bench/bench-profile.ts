/**
 * `npm run bench:profile` — the repeatable counts behind the bench's figures, for working on hot
 * spots on a busy machine (where req/s and latencies are noise): server CPU time per answered
 * message and per accepted webhook (from the server's own `process.cpuUsage`), SQL statements and
 * transactions per message, and which statements they are. Same processes and pinning as
 * `npm run bench`, one database, two phases:
 *
 * - end to end: customer messages offered at BENCH_PROFILE_RATE/s (default 200) for
 *   BENCH_PROFILE_SECONDS (default 10) over the 10 Pages, each answered by the embedded bot;
 * - intake alone (processing paused, fresh database): BENCH_PROFILE_WEBHOOKS (default 5000) signed
 *   webhooks at 16 connections.
 *
 * BENCH_PROFILE_DB=postgres for PostgreSQL (BENCH_PG_URL); BENCH_PROFILE_OUT=<dir> writes a V8 CPU
 * profile of each measured window (`e2e.cpuprofile`, `intake.cpuprofile`; open in Chrome DevTools, or
 * sum it up with `test/bench/cpuprofile-summary.ts`).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { E2eResult } from './bench-double';
import type { ServerStats } from './bench-server';
import { BenchDatabase, ccmEnv, load, PAGES, Pinned, postgresDatabase, SECRET, sqliteDatabase, startPinned } from './bench-support';

const RATE = Number(process.env.BENCH_PROFILE_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
const WEBHOOKS = Number(process.env.BENCH_PROFILE_WEBHOOKS ?? 5000);
const POSTGRES = process.env.BENCH_PROFILE_DB === 'postgres';
const PROFILE_OUT = process.env.BENCH_PROFILE_OUT;
/** `1`: the end-to-end phase only (no intake-alone or raw-baseline phases) — for A/B runs of processing. */
const E2E_ONLY = process.env.BENCH_PROFILE_E2E_ONLY === '1';
/** `1`: the intake-alone and raw-baseline phases only (no end-to-end phase) — for A/B runs of the webhook path. */
const INTAKE_ONLY = process.env.BENCH_PROFILE_INTAKE_ONLY === '1';

/**
 * Passed to the end-to-end server: BENCH_TRACE=<file> (event-loop delay, CPU share and pg pool counts
 * once a second, see bench-server.ts) and BENCH_CCM_ENV (a JSON object of ccm settings to try, e.g.
 * `{"INBOUND_CONCURRENCY":"32"}`), and BENCH_ASYNC_STATS=1 (async resources created per unit, by type:
 * promises mostly, each paying the AsyncLocalStorage hooks; the counting hook costs CPU itself).
 */
const DIAGNOSIS_ENV: Record<string, string> = {
  ...(process.env.BENCH_TRACE ? { BENCH_TRACE: process.env.BENCH_TRACE } : {}),
  ...(process.env.BENCH_TRACE_MESSAGES ? { BENCH_TRACE_MESSAGES: process.env.BENCH_TRACE_MESSAGES } : {}),
  ...(process.env.BENCH_ASYNC_STATS ? { BENCH_ASYNC_STATS: '1' } : {}),
  ...(JSON.parse(process.env.BENCH_CCM_ENV ?? '{}') as Record<string, string>),
};

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function database(): BenchDatabase {
  return POSTGRES ? postgresDatabase() : sqliteDatabase();
}

/** Statements run between two stats samples, by SQL text: [count, µs]. */
function sqlDelta(before: ServerStats, after: ServerStats): Map<string, [number, number]> {
  const delta = new Map<string, [number, number]>();
  for (const [text, [n, micros]] of Object.entries(after.sql ?? {})) {
    const [n0, micros0] = before.sql?.[text] ?? [0, 0];
    if (n > n0) delta.set(text, [n - n0, micros - micros0]);
  }
  return delta;
}

function report(label: string, units: number, unitName: string, before: ServerStats, after: ServerStats): void {
  const sql = sqlDelta(before, after);
  const per = (n: number) => n / Math.max(1, units);
  const total = [...sql.values()].reduce((a, [n]) => a + n, 0);
  const inside = [...sql.values()].reduce((a, [, micros]) => a + micros, 0);
  const transactions = sql.get('begin')?.[0] ?? 0;
  const unit = unitName.replace(/s$/, '');
  log(
    `${label}: ${units} ${unitName}; server CPU ${per(after.cpuMicros - before.cpuMicros).toFixed(0)} µs per ${unit}; ` +
      (after.pgCpuMicros !== undefined
        ? `PostgreSQL CPU ${per(after.pgCpuMicros - (before.pgCpuMicros ?? 0)).toFixed(0)} µs per ${unit}; `
        : '') +
      `${per(total).toFixed(2)} SQL statements (${per(inside).toFixed(0)} µs inside them, SQLite) and ${per(transactions).toFixed(2)} transactions per ${unit}`,
  );
  if (after.asyncResources) {
    const types = Object.entries(after.asyncResources)
      .map(([type, n]) => [type, n - (before.asyncResources?.[type] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    const all = types.reduce((a, [, n]) => a + n, 0);
    log(`  async resources per ${unit}: ${per(all).toFixed(1)} (${types.map(([type, n]) => `${type} ${per(n).toFixed(1)}`).join(', ')})`);
  }
  log('  per unit:  count      µs  statement');
  const top = [...sql].sort((a, b) => b[1][1] - a[1][1] || b[1][0] - a[1][0]).slice(0, 20);
  for (const [text, [n, micros]] of top)
    log(`  ${per(n).toFixed(2).padStart(15)} ${per(micros).toFixed(0).padStart(7)}  ${text.slice(0, 160)}`);
}

/** The end-to-end phase: customer messages answered by the embedded bot, at RATE/s for SECONDS. */
async function endToEnd(double: Pinned, runId: string): Promise<void> {
  const db = database();
  const server = await startPinned(0, 'bench-server.ts', ['ccm'], {
    ...ccmEnv(double.url, db.url),
    BENCH_SQL_STATS: '1',
    ...DIAGNOSIS_ENV,
  });
  // Warm-up (JIT, statement caches, connections), not counted.
  await double.ask<E2eResult>({ cmd: 'e2e', url: server.url, rate: 50, seconds: 2, customers: 200, runId: `${runId}w`, drainMs: 10_000 });
  if (PROFILE_OUT) await server.ask({ cmd: 'profile-start' });
  const before = await server.ask<ServerStats>({ cmd: 'stats' });
  const result = await double.ask<E2eResult>({
    cmd: 'e2e',
    url: server.url,
    rate: RATE,
    seconds: SECONDS,
    customers: Math.max(100, RATE * 2),
    runId: `${runId}e`,
    drainMs: 30_000,
  });
  const after = await server.ask<ServerStats>({ cmd: 'stats' });
  if (PROFILE_OUT) await server.ask({ cmd: 'profile-stop', file: join(PROFILE_OUT, 'e2e.cpuprofile') });
  log(
    `end to end at ${RATE}/s for ${SECONDS} s: answered ${result.answered} of ${result.offered} (${result.answeredPerSecond.toFixed(0)}/s in the window), ` +
      `reply p50 ${result.replyP50} ms p99 ${result.replyP99} ms, ack p99 ${result.ackP99} ms, other Graph calls/msg ${result.otherGraphCallsPerMessage.toFixed(2)}`,
  );
  report('end to end', result.answered, 'answered messages', before, after);
  await server.stop();
  await db.drop();
}

async function main(): Promise<void> {
  log(
    `bench:profile on ${POSTGRES ? 'PostgreSQL' : 'SQLite'} · load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const runId = randomBytes(3).toString('hex');
  if (PROFILE_OUT) mkdirSync(PROFILE_OUT, { recursive: true });
  const double = await startPinned(1, 'bench-double.ts', [], {
    BENCH_SECRET: SECRET,
    BENCH_PAGES: JSON.stringify(PAGES),
    ...(process.env.BENCH_REPLY_LOG ? { BENCH_REPLY_LOG: process.env.BENCH_REPLY_LOG } : {}),
  });

  if (!INTAKE_ONLY) await endToEnd(double, runId);
  if (E2E_ONLY) {
    await double.stop();
    return;
  }

  const fresh = database();
  const alone = await startPinned(0, 'bench-server.ts', ['ccm'], {
    ...ccmEnv(double.url, fresh.url),
    BENCH_SQL_STATS: '1',
    BENCH_PROCESSING: 'off',
  });
  const base = { url: alone.url, secret: SECRET, pageIds: PAGES.map((p) => p.pageId), customers: 500, connections: 16 };
  await load({ ...base, amount: 1000, maxSeconds: 30, runId: `${runId}iw` });
  if (PROFILE_OUT) await alone.ask({ cmd: 'profile-start' });
  const intakeBefore = await alone.ask<ServerStats>({ cmd: 'stats' });
  const intake = await load({ ...base, amount: WEBHOOKS, maxSeconds: 60, runId: `${runId}i` });
  const intakeAfter = await alone.ask<ServerStats>({ cmd: 'stats' });
  if (PROFILE_OUT) await alone.ask({ cmd: 'profile-stop', file: join(PROFILE_OUT, 'intake.cpuprofile') });
  log(`intake alone, 16 connections: ${intake.rps.toFixed(0)} req/s, p50 ${intake.p50} ms, p99 ${intake.p99} ms, non-2xx ${intake.non2xx}`);
  report('intake alone', intake.ok, 'webhooks', intakeBefore, intakeAfter);
  await alone.stop();
  await fresh.drop();

  // The raw node:http baseline under the same conditions: the intake target (0.5x its req/s, the
  // server core being the limit) is ccm spending at most twice its CPU per webhook.
  const raw = await startPinned(0, 'bench-server.ts', ['raw'], { FACEBOOK_APP_SECRET: SECRET });
  const rawBase = { ...base, url: raw.url };
  await load({ ...rawBase, amount: 1000, maxSeconds: 30, runId: `${runId}rw` });
  const rawBefore = await raw.ask<ServerStats>({ cmd: 'stats' });
  const rawResult = await load({ ...rawBase, amount: WEBHOOKS, maxSeconds: 60, runId: `${runId}r` });
  const rawAfter = await raw.ask<ServerStats>({ cmd: 'stats' });
  const rawMicros = (rawAfter.cpuMicros - rawBefore.cpuMicros) / Math.max(1, rawResult.ok);
  const ccmMicros = (intakeAfter.cpuMicros - intakeBefore.cpuMicros) / Math.max(1, intake.ok);
  log(
    `raw node:http baseline: ${rawResult.rps.toFixed(0)} req/s, server CPU ${rawMicros.toFixed(0)} µs per webhook; ` +
      `ccm intake spends ${(ccmMicros / rawMicros).toFixed(1)}x that (≈ ${(rawMicros / ccmMicros).toFixed(2)}x the baseline's req/s when the server core is the limit)`,
  );
  await raw.stop();
  await double.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
