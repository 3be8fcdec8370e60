/**
 * Intake without HTTP: what parsing, mapping and the group commit cost per webhook, measured in one
 * process back to back (load-independent enough for A/B on a busy machine). Waves of
 * MICRO_CONCURRENCY (default 16) one-event webhooks are parsed, mapped and handed to the real
 * InboundIntakeService on a real database (SQLite file, or PostgreSQL with MICRO_DB=postgres);
 * prints the process CPU (all threads, so SQLite's checkpointer too) and event-loop time per webhook.
 *
 *   node --expose-gc -r @swc-node/register test/bench/bench-intake-micro.ts [webhooks=20000] [rounds=3]
 *
 * Also prints the bytes and write calls per webhook (/proc/self/io: the WAL frames and the checkpoint's
 * copies on SQLite), which hardly depend on the machine's load. Experiments on SQLite:
 * MICRO_DROP=<index,…> drops indexes after migrating, MICRO_PAGE_SIZE=<bytes> creates the file with
 * another page size.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { parseWebhookJson } from '@app/core';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { postgresTestDatabase, sqliteTestDatabase, dropPostgresSchema } from '@app/testing';
import { InboundIntakeService, InboundProcessor } from '@app/conversations';
import { mapMessengerWebhook } from '../../libs/channels/messenger/src/messenger-event.mapper';

const PAGES = Array.from({ length: 10 }, (_, i) => `10000000000000${i}`);

function body(runId: string, n: number, now: number): Buffer {
  const customer = n % 500;
  const pageId = PAGES[customer % PAGES.length];
  return Buffer.from(
    JSON.stringify({
      object: 'page',
      entry: [
        {
          id: pageId,
          time: now,
          messaging: [
            {
              sender: { id: `24${parseInt(runId, 16)}${customer}` },
              recipient: { id: pageId },
              timestamp: now,
              message: { mid: `m_${runId}_${n}`, text: 'where is my order' },
            },
          ],
        },
      ],
    }),
  );
}

/** Bytes written and write calls so far, all threads (/proc/self/io). */
function ioCounts(): { wchar: number; syscw: number } {
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(text)![1]);
  return { wchar: field('wchar'), syscw: field('syscw') };
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 20000);
  const rounds = Number(process.argv[3] ?? 3);
  const concurrency = Number(process.env.MICRO_CONCURRENCY ?? 16);
  const postgres = process.env.MICRO_DB === 'postgres';
  const config = postgres ? postgresTestDatabase() : sqliteTestDatabase();
  if (!postgres && process.env.MICRO_PAGE_SIZE) {
    const Sqlite = (await import('better-sqlite3')).default; // experiments only: a page size before the first table
    const db = new Sqlite(config.url);
    db.pragma(`page_size = ${process.env.MICRO_PAGE_SIZE}`);
    db.exec('create table t (x); drop table t');
    db.close();
  }
  const open = await openDatabase(config);
  await migrateToLatest(open);
  for (const index of (process.env.MICRO_DROP ?? '').split(',').filter(Boolean))
    await (await import('kysely')).sql.raw(`drop index ${index}`).execute(open.db); // experiments only
  const persistence = new PersistenceService(open);
  const intake = new InboundIntakeService(persistence, { offer: () => undefined, kick: () => undefined } as unknown as InboundProcessor);
  // Group commits counted (webhooks per group: what the commit's cost is shared by).
  let groups = 0;
  const proto = InboundIntakeService.prototype as unknown as Record<'write', (...args: unknown[]) => unknown>;
  const write = proto.write;
  proto.write = function (this: unknown, ...args: unknown[]) {
    groups += 1;
    return write.apply(this, args);
  };
  const runId = randomBytes(4).toString('hex');
  let n = 0;
  const one = async (raw: Buffer) => {
    const parsed = parseWebhookJson(raw.toString('utf8'));
    await intake.accept(mapMessengerWebhook(parsed).events);
  };
  const wave = async (count: number) => {
    let next = 0;
    const bodies = Array.from({ length: count }, () => body(runId, n++, Date.now()));
    const worker = async () => {
      while (next < count) await one(bodies[next++]);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  const probe = mapMessengerWebhook(parseWebhookJson(body(runId, 0, Date.now()).toString('utf8')));
  if (probe.events.length !== 1) throw new Error(`mapping failed: ${JSON.stringify(probe.skipped)}`);
  await wave(2000); // warm-up (and the conversations)
  for (let r = 0; r < rounds; r++) {
    global.gc?.();
    const io = ioCounts();
    groups = 0;
    const cpu = process.cpuUsage();
    const loop = performance.eventLoopUtilization();
    const t0 = performance.now();
    await wave(total);
    const used = process.cpuUsage(cpu);
    const elu = performance.eventLoopUtilization(loop);
    const wall = performance.now() - t0;
    const io2 = ioCounts();
    console.log(
      `${postgres ? 'PostgreSQL' : 'SQLite'} ${total} webhooks @${concurrency}: CPU ${((used.user + used.system) / total).toFixed(1)} µs/webhook (user ${(used.user / total).toFixed(1)}, sys ${(used.system / total).toFixed(1)}), loop busy ${((elu.active * 1000) / total).toFixed(1)} µs, wall ${((wall * 1000) / total).toFixed(1)} µs; written ${((io2.wchar - io.wchar) / total).toFixed(0)} B in ${((io2.syscw - io.syscw) / total).toFixed(2)} write calls per webhook; ${(total / groups).toFixed(1)} webhooks per group commit`,
    );
  }
  if (process.env.MICRO_DEBUG) {
    const fs = require('node:fs') as typeof import('node:fs');
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const io = fs.readFileSync(`/proc/self/task/${tid}/io`, 'utf8');
      const comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const w = /wchar: (\d+)/.exec(io)![1];
      const c = /syscw: (\d+)/.exec(io)![1];
      if (Number(c) > 100) console.log(`  thread ${tid} ${comm}: wchar ${w} syscw ${c}`);
    }
  }
  if (process.env.MICRO_DEBUG)
    console.log(
      'checkpointer waiting to start:',
      open.checkpointer?.waitingToStart,
      'wal bytes',
      (() => {
        try {
          return require('node:fs').statSync(config.url + '-wal').size;
        } catch {
          return -1;
        }
      })(),
    );
  await persistence.close();
  if (postgres) await dropPostgresSchema((config as unknown as { schema: string }).schema);
}

void main();
