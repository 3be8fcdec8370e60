/**
 * `npm run bench:memory` — where ccm's memory goes, measured the same way before and after a change.
 * Starts the BUILT app (`dist/…/main.js`, as `npm start` and the Docker image run it — no TypeScript
 * loader in the measured process) pinned to core 0 with the bench's 10-Page SQLite configuration and
 * the Graph double on core 1, waits for /health, and reads memory after a full GC (through the
 * preloaded test/bench/memory-probe.js): idle, after a burst of new conversations, and over a soak.
 * Prints process.memoryUsage(), V8 heap spaces and the modules loaded per package; writes JSON.
 *
 *   BENCH_MEMORY_BURST (10000)  BENCH_MEMORY_SOAK_SECONDS (60)  BENCH_MEMORY_SOAK_RATE (100)
 *   BENCH_MEMORY_NODE_FLAGS     node flags for the server (default: the `start` script's)
 *   BENCH_MEMORY_OUT            where the JSON goes (default bench-memory.json)
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRunPsidPrefix } from '../helpers/fixtures';
import { ccmEnv, load, PAGES, ROOT, SECRET, sqliteDatabase, startBuilt, startPinned, startScriptNodeFlags } from './bench-support';

const BURST = Number(process.env.BENCH_MEMORY_BURST ?? 10000);
const SOAK_SECONDS = Number(process.env.BENCH_MEMORY_SOAK_SECONDS ?? 60);
const SOAK_RATE = Number(process.env.BENCH_MEMORY_SOAK_RATE ?? 100);
const OUT = process.env.BENCH_MEMORY_OUT ?? join(ROOT, 'bench-memory.json');

interface Snapshot {
  memory: NodeJS.MemoryUsage;
  spaces: Record<string, number>;
  moduleCount: number;
  modules: Record<string, number>;
  /** Linux: resident KiB per mapping (the node binary, native addons, malloc's heap, anonymous maps). */
  mappings: Record<string, number>;
  /** v8.getHeapCodeStatistics(): compiled code, bytecode and script sources in the heap. */
  code: Record<string, number>;
  /** GC pauses so far (the probe's own forced GCs included). */
  gc: { scavenges: number; scavengeMs: number; others: number; otherMs: number };
  /** CPU time of the server so far, µs (user + system). */
  cpuMicros: number;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

async function main(): Promise<void> {
  const flags =
    process.env.BENCH_MEMORY_NODE_FLAGS !== undefined
      ? process.env.BENCH_MEMORY_NODE_FLAGS.split(/\s+/).filter(Boolean)
      : startScriptNodeFlags();
  const double = await startPinned(1, 'bench-double.ts', [], { BENCH_SECRET: SECRET, BENCH_PAGES: JSON.stringify(PAGES) });
  const db = sqliteDatabase();
  const server = await startBuilt(0, ccmEnv(double.url, db.url), flags);
  const snapshot = () => server.ask<Snapshot>({ cmd: 'memory' });
  const url = server.url;
  await new Promise((r) => setTimeout(r, 2000));
  const rows: { phase: string; s: Snapshot }[] = [{ phase: 'idle', s: await snapshot() }];
  process.stdout.write(`idle: rss ${mb(rows[0].s.memory.rss)} MB\n`);

  const runId = randomBytes(3).toString('hex');
  if (BURST > 0) {
    await double.ask({ cmd: 'burst-start' });
    const intake = await load({
      url,
      secret: SECRET,
      pageIds: PAGES.map((p) => p.pageId),
      connections: 16,
      amount: BURST,
      maxSeconds: 90,
      runId: `${runId}burst`,
    });
    const burst = await double.ask<{ answered: number }>({
      cmd: 'burst-wait',
      prefix: loadRunPsidPrefix(`${runId}burst`),
      count: BURST,
      timeoutMs: 60_000,
    });
    const after = await snapshot();
    const answered = Math.max(1, burst.answered);
    const cpuPerAnswer = Math.round((after.cpuMicros - rows[0].s.cpuMicros) / answered);
    const gcPerAnswer = Math.round(
      ((after.gc.scavengeMs - rows[0].s.gc.scavengeMs + after.gc.otherMs - rows[0].s.gc.otherMs) * 1000) / answered,
    );
    rows.push({
      phase: `after ${BURST} conversations (${intake.ok} accepted, ${burst.answered} answered, ${cpuPerAnswer} µs server CPU each, ${gcPerAnswer} µs of it GC pauses)`,
      s: after,
    });
    process.stdout.write(`${rows[rows.length - 1].phase}: rss ${mb(rows[rows.length - 1].s.memory.rss)} MB\n`);
  }
  if (SOAK_SECONDS > 0) {
    const soak = double.ask({
      cmd: 'e2e',
      url,
      rate: SOAK_RATE,
      seconds: SOAK_SECONDS,
      customers: 2000,
      runId: `${runId}soak`,
      drainMs: 30_000,
    });
    let done = false;
    void soak.then(() => (done = true));
    const start = Date.now();
    while (!done) {
      await Promise.race([soak, new Promise((r) => setTimeout(r, Math.min(10_000, (SOAK_SECONDS * 1000) / 6)))]);
      rows.push({ phase: `soak ${Math.round((Date.now() - start) / 1000)} s at ${SOAK_RATE}/s`, s: await snapshot() });
      process.stdout.write(`${rows[rows.length - 1].phase}: rss ${mb(rows[rows.length - 1].s.memory.rss)} MB\n`);
    }
  }
  await server.stop();
  await double.stop();
  await db.drop();

  process.stdout.write(`\nccm memory (built app, node ${process.version}, flags: ${flags.join(' ') || '-'}), MB after a full GC\n`);
  process.stdout.write('phase | rss | heapTotal | heapUsed | external | arrayBuffers | code space | modules\n');
  for (const { phase, s } of rows) {
    const m = s.memory;
    process.stdout.write(
      `${phase} | ${mb(m.rss)} | ${mb(m.heapTotal)} | ${mb(m.heapUsed)} | ${mb(m.external)} | ${mb(m.arrayBuffers)} | ${mb(s.spaces.code_space ?? 0)} | ${s.moduleCount}\n`,
    );
  }
  const top = Object.entries(rows[0].s.modules)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25);
  process.stdout.write(`\nmodules loaded at idle, by package (top 25 of ${Object.keys(rows[0].s.modules).length}):\n`);
  process.stdout.write(top.map(([name, n]) => `${n}\t${name}`).join('\n') + '\n');
  const maps = Object.entries(rows[0].s.mappings)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6);
  process.stdout.write(`\nresident at idle, by mapping (MB): ${maps.map(([name, kb]) => `${name} ${Math.round(kb / 1024)}`).join(', ')}\n`);
  writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), flags, rows }, null, 2));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-memory failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
