/**
 * The server side of `npm run bench`, run as its own process pinned to one core by the orchestrator
 * (`taskset -c 0`). `raw`: the floor any correct receiver pays — a bare node:http server that checks
 * X-Hub-Signature-256 over the raw bytes, parses the JSON and answers 200, storing nothing. `ccm`: the
 * real application (createApp, the production Fastify adapter) configured from the environment.
 *
 * Prints `READY <url>` once listening. Answers IPC requests from the orchestrator:
 * `{ id, cmd: 'stats', gc }` → memory and CPU of this process (after a full GC when asked).
 */
import 'reflect-metadata';
import { createHook } from 'node:async_hooks';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ServerStats {
  rss: number;
  heapUsed: number;
  /** CPU time of this process so far, µs (user + system). */
  cpuMicros: number;
  /** With BENCH_SQL_STATS=1 on PostgreSQL (same machine): CPU used so far by this server's backends. */
  pgCpuMicros?: number;
  /** Event loop time so far, ms: busy (running callbacks) and idle (waiting in poll for I/O or timers). */
  loopActiveMs: number;
  loopIdleMs: number;
  /** With BENCH_SQL_STATS=1: statements executed so far and the µs spent in them (SQLite: inside the statement), by SQL text. */
  sql?: Record<string, [number, number]>;
  /** With BENCH_ASYNC_STATS=1: async resources created so far, by type (PROMISE, TickObject, …). */
  asyncResources?: Record<string, number>;
}

/** Async resources created, by type, when BENCH_ASYNC_STATS=1. */
const asyncResources = new Map<string, number>();

function countAsyncResources(): void {
  createHook({ init: (_id, type) => void asyncResources.set(type, (asyncResources.get(type) ?? 0) + 1) }).enable();
}

/** Statement counts and times by SQL text, when BENCH_SQL_STATS=1 (see countStatements). */
const statements = new Map<string, [number, number]>();

/** SQL text → its key (whitespace collapsed), computed once per distinct text: the counting must cost the server little. */
const keys = new Map<string, string>();

function note(text: string, micros = 0): void {
  let key = keys.get(text);
  if (key === undefined) {
    key = text.replace(/\s+/g, ' ').trim();
    keys.set(text, key);
  }
  const entry = statements.get(key);
  if (entry) {
    entry[0] += 1;
    entry[1] += micros;
  } else statements.set(key, [1, micros]);
}

/**
 * Counts every SQL statement the server runs (better-sqlite3 statements and pg queries), for
 * `bench-profile`: statements per answered message, and which ones. Patched in the bench process
 * only; the application's code is untouched.
 */
/** PostgreSQL backends this server's clients talk to (their `processID`), and the last CPU time read of each. */
const backends = new Set<number>();
const backendCpu = new Map<number, number>();

/** Reads the backends' CPU time from /proc (PostgreSQL on this machine); ended backends keep their last reading. */
function readBackendCpu(): number {
  for (const pid of backends) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      backendCpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100); // clock ticks (USER_HZ 100) → µs
    } catch {
      backends.delete(pid); // ended (pool idle timeout): its last reading stays
    }
  }
  return [...backendCpu.values()].reduce((a, b) => a + b, 0);
}

async function countStatements(): Promise<void> {
  setInterval(readBackendCpu, 500).unref();
  const { default: Sqlite } = await import('better-sqlite3');
  const probe = new Sqlite(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<'run' | 'all' | 'get', (...args: unknown[]) => unknown> & {
    source: string;
  };
  probe.close();
  for (const method of ['run', 'all', 'get'] as const) {
    const original = proto[method];
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      const start = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        note(this.source, Number(process.hrtime.bigint() - start) / 1000);
      }
    };
  }
  const originalExec = Sqlite.prototype.exec;
  Sqlite.prototype.exec = function (this: InstanceType<typeof Sqlite>, source: string) {
    const start = process.hrtime.bigint();
    try {
      return originalExec.call(this, source);
    } finally {
      note(source, Number(process.hrtime.bigint() - start) / 1000);
    }
  };
  const { Client } = await import('pg');
  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  Client.prototype.query = function (this: { processID?: number }, ...args: unknown[]) {
    if (this.processID) backends.add(this.processID);
    const config = args[0];
    // A transaction's BEGIN sent in one round trip with its first statement (pg-prepared.ts) counts too.
    if ((config as object | undefined)?.constructor?.name === 'BeginThenQuery') note('begin');
    note(typeof config === 'string' ? config : String((config as { text?: string })?.text ?? '?'));
    return query.apply(this, args);
  } as typeof Client.prototype.query;
}

/** BENCH_TRACE=<file>: once a second appended to the file, event-loop delay, CPU share and the pg pools' counts (diagnosis only). */
const traced: { app?: { get(token: unknown): unknown } } = {};

/** Busy slots of the inbound processor's and the outbox's worker pools (private fields, read for diagnosis). */
async function slots(): Promise<string> {
  if (!traced.app) return '-';
  const { InboundProcessor, OutboxDispatcher } = await import('@app/conversations');
  const busy = (service: unknown) => (service as { pool: { busy: number } }).pool.busy;
  return `inbound ${busy(traced.app.get(InboundProcessor))} outbox ${busy(traced.app.get(OutboxDispatcher))}`;
}

/** Wall time of named async methods (count, total ms), for `trace`. */
const timings = new Map<string, [number, number]>();
function timeMethod(proto: Record<string, unknown>, name: string, label: string): void {
  const original = proto[name] as (...args: unknown[]) => Promise<unknown>;
  proto[name] = async function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const entry = timings.get(label) ?? [0, 0];
      entry[0] += 1;
      entry[1] += performance.now() - start;
      timings.set(label, entry);
    }
  };
}

async function trace(): Promise<void> {
  const conversations = await import('@app/conversations');
  const persistence = await import('@app/persistence');
  const { CustomerMessageApplier } = await import('../../libs/conversations/src/appliers/customer-message.applier');
  const { ConversationHandler } = await import('../../libs/conversations/src/conversation-handler.service');
  timeMethod(ConversationHandler.prototype as never, 'handle', 'handle');
  timeMethod(CustomerMessageApplier.prototype as never, 'prepare', 'prepare');
  timeMethod(conversations.ConversationUnits.prototype as never, 'run', 'unit');
  timeMethod(conversations.InboundIntakeService.prototype as never, 'write', 'groupCommit');
  timeMethod(persistence.WorkQueue.prototype as never, 'claimHead', 'claimHead');
  timeMethod(persistence.WorkQueue.prototype as never, 'claim', 'claim');
  timeMethod(persistence.InboundJournalRepository.prototype as never, 'hasPending', 'hasPending');
  const { ConversationRepository } = await import('../../libs/persistence/src/conversation.repository');
  timeMethod(ConversationRepository.prototype as never, 'findById', 'findById');
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const { Pool } = await import('pg');
  const pools = new Set<InstanceType<typeof Pool>>();
  const connect = Pool.prototype.connect as (...args: unknown[]) => unknown;
  Pool.prototype.connect = function (this: InstanceType<typeof Pool>, ...args: unknown[]) {
    pools.add(this);
    return connect.apply(this, args);
  } as typeof Pool.prototype.connect;
  stalls();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let cpu = process.cpuUsage();
  let at = Date.now();
  let maxWaiting = 0;
  let busySamples: string[] = [];
  setInterval(() => {
    for (const pool of pools) maxWaiting = Math.max(maxWaiting, pool.waitingCount);
  }, 10).unref();
  setInterval(() => void slots().then((s) => busySamples.push(s)), 100).unref();
  setInterval(() => {
    const used = process.cpuUsage(cpu);
    const now = Date.now();
    const share = (used.user + used.system) / 1000 / (now - at);
    const counts = [...pools].map((p) => `${p.totalCount}/${p.idleCount}/${p.waitingCount}`).join(' ');
    appendFileSync(
      process.env.BENCH_TRACE!,
      `${new Date().toISOString().slice(11, 19)} cpu ${(share * 100).toFixed(0)}% loop p50 ${(delay.percentile(50) / 1e6).toFixed(0)} p99 ${(delay.percentile(99) / 1e6).toFixed(0)} max ${(delay.max / 1e6).toFixed(0)} ms; pools total/idle/waiting ${counts} (max waiting ${maxWaiting}); busy slots ${busySamples.slice(0, 10).join(', ')}\n`,
    );
    busySamples = [];
    appendFileSync(
      process.env.BENCH_TRACE!,
      `  ${[...timings].map(([label, [n, ms]]) => `${label} ${n}×${(ms / Math.max(1, n)).toFixed(1)}ms`).join(' · ')}\n`,
    );
    timings.clear();
    delay.reset();
    maxWaiting = 0;
    cpu = process.cpuUsage();
    at = now;
  }, 1000).unref();
}

/**
 * BENCH_TRACE diagnosis of stalls: a 5 ms timer; when it fires more than 25 ms late, one line with
 * the gap, the main thread's CPU time and run-queue wait in it (/proc schedstat: the rest of the gap
 * it was blocked in a system call or sleeping), and the writer's hold by the WAL checkpointer.
 */
function stalls(): void {
  const file = `/proc/self/task/${process.pid}/schedstat`;
  const read = (): [number, number] => {
    const [cpu, wait] = readFileSync(file, 'utf8').split(' ');
    return [Number(cpu) / 1e6, Number(wait) / 1e6];
  };
  let last = performance.now();
  let [cpu0, wait0] = read();
  setInterval(() => {
    const now = performance.now();
    const [cpu, wait] = read();
    const gap = now - last;
    if (gap > 30)
      appendFileSync(
        process.env.BENCH_TRACE!,
        `stall ${new Date().toISOString().slice(11, 23)} gap ${gap.toFixed(0)} ms: main thread cpu ${(cpu - cpu0).toFixed(0)} runq ${(wait - wait0).toFixed(0)} other ${(gap - (cpu - cpu0) - (wait - wait0)).toFixed(0)} ms\n`,
      );
    last = now;
    cpu0 = cpu;
    wait0 = wait;
  }, 5).unref();
}

/**
 * BENCH_TRACE_MESSAGES=<file>: per customer message (by its mid), the wall-clock times (epoch ms) it
 * passed the server's stages, appended every second: the group commit that wrote it (start, end =
 * its 200), the processor's hand-off of its conversation (claimHead start) and the turn (start, end),
 * its reply reaching the outbox (`L` stored leased, `Q` queued and noticed) and its send (start, end).
 */
async function traceMessages(): Promise<void> {
  const file = process.env.BENCH_TRACE_MESSAGES!;
  const now = () => performance.timeOrigin + performance.now();
  const rows = new Map<string, Record<string, number | string>>();
  const byCorrelation = new Map<string, string>();
  const byConversation = new Map<string, string>();
  const mark = (mid: string | undefined, stage: string, value: number | string = now()) => {
    if (!mid) return;
    const row = rows.get(mid) ?? {};
    if (row[stage] === undefined) row[stage] = value;
    rows.set(mid, row);
  };
  const wrap = (proto: Record<string, unknown>, name: string, before: (args: unknown[]) => void, after?: (args: unknown[]) => void) => {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      before(args);
      const result = original.apply(this, args);
      if (after && result instanceof Promise) return result.finally(() => after(args));
      return result;
    };
  };
  const conversations = await import('@app/conversations');
  const { correlationIdOf } = await import('@app/observability');
  const { ConversationHandler } = await import('../../libs/conversations/src/conversation-handler.service');
  type Event = { mid?: string; dedupeKey: string };
  const groupMids = (args: unknown[]) => (args[0] as { events: Event[] }[]).flatMap((w) => w.events.map((e) => e.mid));
  wrap(
    conversations.InboundIntakeService.prototype as never,
    'write',
    (args) => groupMids(args).forEach((mid) => mark(mid, 'commit')),
    (args) => groupMids(args).forEach((mid) => mark(mid, 'acked')),
  );
  wrap(conversations.InboundProcessor.prototype as never, 'offer', (args) => {
    // (an iterator, read once: handed on as an array)
    args[0] = [...(args[0] as Iterable<{ conversationId: string }>)];
    for (const o of args[0] as { conversationId: string }[]) mark(byConversation.get(o.conversationId), 'offered');
  });
  wrap(
    ConversationHandler.prototype as never,
    'handle',
    (args) => {
      const event = args[1] as Event;
      byCorrelation.set(correlationIdOf(event.dedupeKey), event.mid!);
      if (args[2]) byConversation.set(args[2] as string, event.mid!);
      mark(event.mid, 'turn');
    },
    (args) => mark((args[1] as Event).mid, 'turned'),
  );
  type Work = { row: { correlation_id: string } };
  wrap(conversations.OutboxDispatcher.prototype as never, 'takeLeased', (args) =>
    mark(byCorrelation.get((args[0] as Work).row.correlation_id), 'L'),
  );
  wrap(conversations.OutboxDispatcher.prototype as never, 'notice', (args) => mark(byConversation.get(args[0] as string), 'Q'));
  wrap(
    conversations.OutboxDispatcher.prototype as never,
    'deliverNow',
    (args) => mark(byCorrelation.get((args[0] as Work).row.correlation_id), 'send'),
    (args) => mark(byCorrelation.get((args[0] as Work).row.correlation_id), 'sent'),
  );
  // Offers name conversations: a new customer's conversation is named once its first turn ran, so its
  // first offer is matched by the intake's commit instead (offered right after it).
  setInterval(() => {
    const done = [...rows].filter(([, r]) => r.sent !== undefined);
    if (done.length === 0) return;
    appendFileSync(file, done.map(([mid, r]) => `${mid} ${JSON.stringify(r)}\n`).join(''));
    for (const [mid] of done) rows.delete(mid);
  }, 1000).unref();
}

/** BENCH_TRACE: the WAL checkpointer's holds of the writer (asked, granted, given back), one line each. */
async function checkpointHolds(): Promise<void> {
  const { SqliteCheckpointer } = await import('../../libs/persistence/src/sqlite-checkpointer');
  const proto = SqliteCheckpointer.prototype as unknown as { onMessage(m: { type: string; result?: unknown }): void };
  const original = proto.onMessage;
  let asked = 0;
  let granted = 0;
  proto.onMessage = function (this: { holding: boolean }, message) {
    const now = performance.now();
    if (message.type === 'lock') {
      asked = now;
      granted = 0;
    }
    if (message.type === 'unlock')
      appendFileSync(
        process.env.BENCH_TRACE!,
        `checkpoint hold ${new Date().toISOString().slice(11, 23)}: waited ${(granted - asked).toFixed(1)} ms for the writer, held it ${(now - granted).toFixed(1)} ms\n`,
      );
    original.call(this, message);
    if (message.type === 'lock') {
      const poll = setInterval(() => {
        if (this.holding) {
          granted = performance.now();
          clearInterval(poll);
        }
      }, 0);
    }
  };
}

async function raw(secret: string): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? '').replace('sha256=', ''), 'hex');
      const expected = createHmac('sha256', secret).update(body).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(403).end();
        return;
      }
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('EVENT_RECEIVED');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function ccm(): Promise<string> {
  // Loaded lazily so the raw server's process carries none of the application's code.
  const { loadAppConfig } = await import('../../apps/ccm/src/app-config');
  const { createApp } = await import('../../apps/ccm/src/create-app');
  const config = loadAppConfig({ ...process.env });
  const app = await createApp(config, ['error', 'warn']);
  await app.listen(0, '127.0.0.1');
  traced.app = app;
  // After listen: listening bootstraps the app, which starts the loops.
  if (process.env.BENCH_PROCESSING === 'off') {
    // Intake alone: the journal fills and nothing processes it, to show what intake itself costs.
    const { InboundProcessor } = await import('@app/conversations');
    await app.get(InboundProcessor).onApplicationShutdown();
  }

  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

function stats(gc: boolean): ServerStats {
  if (gc) global.gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    cpuMicros: cpu.user + cpu.system,
    ...(process.env.BENCH_SQL_STATS && backendCpu.size + backends.size > 0 ? { pgCpuMicros: readBackendCpu() } : {}),
    loopActiveMs: loop.active,
    loopIdleMs: loop.idle,
    ...(process.env.BENCH_ASYNC_STATS ? { asyncResources: Object.fromEntries(asyncResources) } : {}),
    ...(process.env.BENCH_SQL_STATS ? { sql: Object.fromEntries([...statements].map(([k, v]) => [k, [...v] as [number, number]])) } : {}),
  };
}

/** A V8 CPU profile of one measured window only (`bench-profile`), without start-up and warm-up. */
const profiler = {
  session: undefined as Session | undefined,
  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.start');
  },
  async stop(file: string): Promise<void> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    this.session?.disconnect();
  },
  post(method: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.session!.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  },
};

async function main(): Promise<void> {
  const role = process.argv[2];
  if (process.env.BENCH_SQL_STATS) await countStatements();
  if (process.env.BENCH_TRACE_MESSAGES) await traceMessages();
  if (process.env.BENCH_TRACE) {
    await trace();
    await checkpointHolds();
  }
  if (process.env.BENCH_ASYNC_STATS) countAsyncResources();
  const url = role === 'raw' ? await raw(process.env.FACEBOOK_APP_SECRET ?? '') : await ccm();
  process.on('message', (message: { id: number; cmd: string; gc?: boolean; file?: string }) => {
    if (message.cmd === 'stats') process.send?.({ id: message.id, result: stats(Boolean(message.gc)) });
    else if (message.cmd === 'profile-start') void profiler.start().then(() => process.send?.({ id: message.id, result: true }));
    else if (message.cmd === 'profile-stop') void profiler.stop(message.file!).then(() => process.send?.({ id: message.id, result: true }));
  });
  process.on('disconnect', () => process.exit(0));
  // A normal exit, so a --cpu-prof profile is written.
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write(`READY ${url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
