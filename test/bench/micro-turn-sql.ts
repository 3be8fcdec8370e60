/**
 * A microbenchmark of the SQL one answered message costs on SQLite, without ccm's JavaScript around it
 * (not part of `npm run bench`): on a database with the real schema (every migration) and 500
 * conversations with some history, each message is the intake's INSERT into the journal, the claim of
 * the event (an autocommit UPDATE), the turn's transaction (lock the conversation noting the customer's
 * event, store the message, store the reply leased, mark the event done) and the reply's mark-sent (an
 * autocommit UPDATE), all with better-sqlite3 directly, WAL and synchronous=NORMAL as ccm opens it.
 * Variants run alternately, each on its own copy of the database; CPU time per message from
 * `process.cpuUsage` (user and system: WAL writes are system time). Usage:
 *
 *   node -r @swc-node/register test/bench/micro-turn-sql.ts [messages=3000] [rounds=3]
 *
 * Variants: `as now`; `claim in the turn's transaction` (one commit fewer per message: what folding
 * the claim away would save); `journal indexes partial` (the journal's two indexes replaced by indexes
 * of pending events only: what index maintenance and the pages each commit writes cost).
 */
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@app/persistence';

const CONVERSATIONS = 500;
const HISTORY = 8; // messages per conversation before the run (half the customer's, half replies)

async function seed(file: string): Promise<void> {
  const open = await openDatabase({ dialect: 'sqlite', url: file });
  await migrateToLatest(open);
  await open.db.destroy();
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  const conversation = db.prepare(
    `insert into conversations (id, channel, page_id, customer_id, state, created_at, updated_at, low_confidence_streak) values (?, 'messenger', ?, ?, 'BOT', 1, 1, 0)`,
  );
  const message = db.prepare(
    `insert into messages (conversation_id, direction, author, text, content, mid, status, attempts, created_at, sent_at) values (?, ?, ?, 'hello there', ?, ?, ?, 0, 1, 1)`,
  );
  const event = db.prepare(
    `insert into inbound_events (dedupe_key, channel, page_id, customer_id, conversation_id, kind, event_ts, event, status, attempts, next_attempt_at, received_at, processed_at) values (?, 'messenger', ?, ?, ?, 'message', 1, '{"kind":"message","text":"hello there"}', 'done', 0, 1, 1, 1)`,
  );
  db.transaction(() => {
    for (let c = 0; c < CONVERSATIONS; c++) {
      const id = `conversation-${c}`;
      conversation.run(id, `page-${c % 10}`, `customer-${c}`);
      for (let m = 0; m < HISTORY; m++) {
        const customer = m % 2 === 0;
        message.run(
          id,
          customer ? 'in' : 'out',
          customer ? 'customer' : 'bot',
          customer ? null : '{"kind":"text"}',
          `m.${c}.${m}`,
          customer ? 'received' : 'read',
        );
        if (customer) event.run(`seed.${c}.${m}`, `page-${c % 10}`, `customer-${c}`, id);
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

const PARTIAL_JOURNAL_INDEXES = `
  drop index inbound_events_key;
  create index inbound_events_key on inbound_events (conversation_id, event_ts, id) where status = 'pending';
  drop index inbound_events_pending;
  create index inbound_events_pending on inbound_events (next_attempt_at, conversation_id) where status = 'pending';`;

function run(seeded: string, dir: string, label: string, messages: number, options: { setup?: string; claimInTurn?: boolean }): string {
  const file = join(dir, `${label.replace(/\W/g, '')}.sqlite`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  copyFileSync(seeded, file);
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -4000');
  db.pragma('wal_autocheckpoint = 0'); // ccm checkpoints on a worker thread; here every 1000 messages, outside the timing
  if (options.setup) db.exec(options.setup);
  const journal = db.prepare(
    `insert into inbound_events (dedupe_key, channel, page_id, customer_id, conversation_id, kind, event_ts, event, status, attempts, next_attempt_at, last_error, received_at, processed_at) values (?, 'messenger', ?, ?, ?, 'message', ?, '{"kind":"message","text":"hello there"}', 'pending', 0, ?, null, ?, null) on conflict (dedupe_key) do nothing returning id`,
  );
  const claim = db.prepare(
    `update inbound_events set lease_owner = 'owner', lease_until = ?, lease_epoch = lease_epoch + 1 where id = (select h.id from inbound_events h where h.conversation_id = ? and h.status = 'pending' order by h.event_ts, h.id limit 1) and status = 'pending' and lease_until is null returning id, lease_epoch`,
  );
  const lock = db.prepare(
    `update conversations set last_user_event_at = case when (last_user_event_at is null or last_user_event_at < ?) then ? else last_user_event_at end, updated_at = ? where id = ? returning *`,
  );
  const store = db.prepare(
    `insert into messages (conversation_id, direction, author, text, content, mid, status, attempts, next_attempt_at, lease_until, error, event_ts, created_at, sent_at) values (?, 'in', 'customer', 'hello there', null, ?, 'received', 0, null, null, null, ?, ?, null) on conflict (conversation_id, mid) do nothing returning id`,
  );
  const reply = db.prepare(
    `insert into messages (conversation_id, direction, author, text, content, status, attempts, next_attempt_at, created_at, lease_owner, lease_until, lease_epoch) values (?, 'out', 'bot', 'We open at 9.', '{"kind":"text","text":"We open at 9."}', 'queued', 0, ?, ?, case when exists (select 1 from messages p where p.conversation_id = ? and p.status = 'queued' and p.direction = 'out') then null else 'owner' end, ?, 1) returning id`,
  );
  const done = db.prepare(
    `update inbound_events set status = 'done', lease_until = null, processed_at = ? where id = ? and lease_owner = 'owner' and lease_epoch = ? and status = 'pending' returning exists (select 1 from inbound_events p where p.conversation_id = ? and p.status = 'pending' and p.id <> ?) as more`,
  );
  const sent = db.prepare(
    `update messages set status = 'sent', lease_until = null, mid = ?, sent_at = ?, attempts = 1 where id = ? and lease_owner = 'owner' and lease_epoch = 1 and status = 'queued' returning case when exists (select 1 from messages p where p.conversation_id = ? and p.status = 'queued' and p.direction = 'out' and p.id <> ?) then 1 else 0 end as more`,
  );
  let cpu = { user: 0, system: 0 };
  for (let i = 0; i < messages; i++) {
    const conversation = `conversation-${(i * 7919) % CONVERSATIONS}`;
    const page = `page-${((i * 7919) % CONVERSATIONS) % 10}`;
    const now = 1_000_000 + i;
    const start = process.cpuUsage();
    journal.get(`run.${i}`, page, `customer-${i}`, conversation, now, now, now);
    if (options.claimInTurn) db.exec('begin');
    const claimed = claim.get(now + 30_000, conversation) as { id: number; lease_epoch: number };
    if (!options.claimInTurn) db.exec('begin');
    lock.get(now, now, now, conversation);
    store.get(conversation, `run.${i}`, now, now);
    const { id: replyId } = reply.get(conversation, now, now, conversation, now + 30_000) as { id: number };
    done.get(now, claimed.id, claimed.lease_epoch, conversation, claimed.id);
    db.exec('commit');
    sent.get(`mid.${i}`, now, replyId, conversation, replyId);
    const used = process.cpuUsage(start);
    cpu = { user: cpu.user + used.user, system: cpu.system + used.system };
    if (i % 1000 === 999) db.pragma('wal_checkpoint(PASSIVE)');
  }
  db.close();
  const per = (micros: number) => (micros / messages).toFixed(0);
  return `${per(cpu.user + cpu.system)} µs (user ${per(cpu.user)}, system ${per(cpu.system)})`;
}

async function main(): Promise<void> {
  const messages = Number(process.argv[2] ?? 3000);
  const rounds = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'micro-turn-sql-'));
  try {
    const seeded = join(dir, 'seeded.sqlite');
    await seed(seeded);
    const variants: [string, { setup?: string; claimInTurn?: boolean }][] = [
      ['as now', {}],
      ["claim in the turn's transaction", { claimInTurn: true }],
      ['journal indexes partial', { setup: PARTIAL_JOURNAL_INDEXES }],
    ];
    console.log(`SQL CPU per answered message (${messages} messages per run, ${CONVERSATIONS} conversations), variants alternating:`);
    for (let round = 1; round <= rounds; round++)
      for (const [label, options] of variants)
        console.log(`  round ${round}  ${label.padEnd(34)} ${run(seeded, dir, label, messages, options)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
