import { TEST_DIALECTS, testDatabase } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';
import { conversationKeyString } from './conversation.repository';

const key = { channel: 'messenger', pageId: '111', customerId: 'psid-1' };

describe.each(TEST_DIALECTS)('PersistenceService on %s', (dialect) => {
  let persistence: PersistenceService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const test = testDatabase(dialect);
    cleanup = test.cleanup;
    const open = await openDatabase(test.config);
    await migrateToLatest(open);
    await migrateToLatest(open); // idempotent: a second instance starting up applies nothing
    persistence = new PersistenceService(open);
  });

  afterEach(async () => {
    await persistence.close();
    await cleanup();
  });

  it('should create a conversation once per (channel, page, customer)', async () => {
    const a = await persistence.repos.conversations.ensure(key, 1000);
    const b = await persistence.repos.conversations.ensure(key, 2000);
    expect(b.id).toBe(a.id);
    expect(a.state).toBe('BOT');
    expect(typeof a.created_at).toBe('number');
    const other = await persistence.repos.conversations.ensure({ ...key, customerId: 'psid-2' }, 1000);
    expect(other.id).not.toBe(a.id);
  });

  it("should lock a conversation and note the customer's activity in one statement: forward only, updated_at only when it moves", async () => {
    const { id } = await persistence.repos.conversations.ensure(key, 1000);
    const conversations = persistence.repos.conversations;
    const read = async () => (await conversations.findById(id))!;
    // Inside a transaction, as a turn does; the row comes back as it is after the note.
    const lockAt = (timestamp: number, now: number) =>
      persistence.transaction((repos) => repos.conversations.lockNotingUserEvent(id, timestamp, now));
    expect(await lockAt(5000, 6000)).toMatchObject({ id, state: 'BOT', last_user_event_at: 5000, updated_at: 6000 });
    expect(await read()).toMatchObject({ last_user_event_at: 5000, updated_at: 6000 });
    // An older event (out of order): nothing moves back, updated_at stays.
    expect(await lockAt(4000, 7000)).toMatchObject({ last_user_event_at: 5000, updated_at: 6000 });
    expect(await lockAt(5000, 7000)).toMatchObject({ last_user_event_at: 5000, updated_at: 6000 });
    expect(await lockAt(8000, 9000)).toMatchObject({ last_user_event_at: 8000, updated_at: 9000 });
    expect(await read()).toEqual(await lockAt(1, 10_000)); // the whole row, as a read gives it
    expect(await persistence.transaction((repos) => repos.conversations.lockNotingUserEvent('missing', 1, 1))).toBeUndefined();
  });

  it('should store an inbound mid only once', async () => {
    const conversation = await persistence.repos.conversations.ensure(key, 1000);
    const message = {
      conversation_id: conversation.id,
      direction: 'in' as const,
      author: 'customer' as const,
      text: 'hi',
      content: null,
      mid: 'm_1',
      status: 'received' as const,
      attempts: 0,
      next_attempt_at: null,
      lease_until: null,
      error: null,
      event_ts: 1000,
      created_at: 1000,
      sent_at: null,
    };
    expect(await persistence.repos.messages.insertOnce(message)).toEqual(expect.any(Number));
    expect(await persistence.repos.messages.insertOnce(message)).toBeUndefined();
    expect(await persistence.repos.messages.listForConversation(conversation.id)).toHaveLength(1);
  });

  it('should let only one holder take a conversation lease until it expires or is released', async () => {
    const { id } = await persistence.repos.conversations.ensure(key, 1000);
    expect(await persistence.repos.conversations.tryLease(id, 'w1', 1000, 500)).toBe(true);
    expect(await persistence.repos.conversations.tryLease(id, 'w2', 1200, 500)).toBe(false);
    expect(await persistence.repos.conversations.tryLease(id, 'w2', 1600, 500)).toBe(true); // w1's lease expired
    await persistence.repos.conversations.releaseLease(id, 'w2');
    expect(await persistence.repos.conversations.tryLease(id, 'w1', 1601, 500)).toBe(true);
  });

  it('should journal each dedupe key once (claim order per conversation: work-queue.spec)', async () => {
    const { id } = await persistence.repos.conversations.ensure(key, 1);
    const event = (dedupe_key: string, event_ts: number) => ({
      dedupe_key,
      channel: 'messenger',
      page_id: '111',
      customer_id: 'psid-1',
      conversation_id: id,
      kind: 'message',
      event_ts,
      event: '{}',
      last_error: null,
      received_at: 5,
      processed_at: null,
    });
    expect(await persistence.repos.journal.record([event('b', 20), event('a', 10), event('b', 20)])).toBe(2);
    expect(await persistence.repos.journal.record([event('a', 10)])).toBe(0);
    expect((await persistence.repos.journal.countByStatus()).pending).toBe(2);
  });

  it('should count the events waiting and the dead ones for the probes, whatever the done ones', async () => {
    const { id } = await persistence.repos.conversations.ensure(key, 1);
    const event = (dedupe_key: string) => ({
      dedupe_key,
      channel: 'messenger',
      page_id: '111',
      customer_id: 'psid-1',
      conversation_id: id,
      kind: 'message',
      event_ts: 1,
      event: '{}',
      received_at: 5,
    });
    expect(await persistence.repos.journal.backlog()).toEqual({ pending: 0, dead: 0 });
    await persistence.repos.journal.record(['a', 'b', 'c', 'd', 'e'].map(event));
    await persistence.db.updateTable('inbound_events').set({ status: 'done' }).where('dedupe_key', 'in', ['a', 'b']).execute();
    await persistence.db.updateTable('inbound_events').set({ status: 'dead' }).where('dedupe_key', '=', 'c').execute();
    expect(await persistence.repos.journal.backlog()).toEqual({ pending: 2, dead: 1 });
  });

  it('should journal a group larger than one INSERT (chunks of prepared multi-row statements) and tell which keys were new', async () => {
    const { id } = await persistence.repos.conversations.ensure(key, 1);
    const event = (n: number, extra: Record<string, unknown> = {}) => ({
      dedupe_key: `k-${n}`,
      channel: 'messenger',
      page_id: '111',
      customer_id: n % 10 === 0 ? null : 'psid-1',
      conversation_id: n % 10 === 0 ? null : id,
      kind: 'message',
      event_ts: n,
      event: `{"n":${n}}`,
      last_error: null,
      received_at: 1000 + n,
      processed_at: null,
      ...extra,
    });
    expect(await persistence.repos.journal.record([event(5), event(70)])).toBe(2);
    const batch = Array.from({ length: 150 }, (_, n) => event(n));
    const fresh = await persistence.repos.journal.recordNew([...batch, event(3)]);
    expect([...fresh].sort()).toEqual(
      batch
        .map((e) => e.dedupe_key)
        .filter((k) => k !== 'k-5' && k !== 'k-70')
        .sort(),
    );
    const rows = await persistence.db.selectFrom('inbound_events').selectAll().orderBy('event_ts').execute();
    expect(rows).toHaveLength(150);
    expect(rows[42]).toMatchObject({
      dedupe_key: 'k-42',
      customer_id: 'psid-1',
      conversation_id: id,
      event: '{"n":42}',
      status: 'pending',
      attempts: 0,
      last_error: null,
      processed_at: null,
    });
    expect(Number(rows[42].next_attempt_at)).toBe(1042);
    expect(Number(rows[42].received_at)).toBe(1042);
    expect(rows[40]).toMatchObject({ customer_id: null, conversation_id: null });
    // A row with a column the prepared statements do not write goes in as given.
    expect(await persistence.repos.journal.recordNew([event(200, { lease_owner: 'w1' })])).toEqual(new Set(['k-200']));
    expect(
      await persistence.db.selectFrom('inbound_events').select('lease_owner').where('dedupe_key', '=', 'k-200').executeTakeFirstOrThrow(),
    ).toEqual({ lease_owner: 'w1' });
  });

  it('should ensure many conversations at once: existing ids kept, new ones created once, one written meanwhile by another writer read back', async () => {
    const existing = await persistence.repos.conversations.ensure(key, 1);
    const keys = Array.from({ length: 70 }, (_, n) => ({ channel: 'messenger' as const, pageId: '111', customerId: `psid-many-${n}` }));
    const ids = await persistence.repos.conversations.ensureMany([key, ...keys, keys[3]], 2);
    expect(ids.size).toBe(71);
    expect(ids.get(conversationKeyString(key))).toBe(existing.id);
    const rows = await persistence.db.selectFrom('conversations').select(['id', 'customer_id', 'state', 'created_at']).execute();
    expect(rows).toHaveLength(71);
    for (const row of rows) expect(ids.get(conversationKeyString({ ...key, customerId: row.customer_id }))).toBe(row.id);
    expect(rows.find((r) => r.customer_id === 'psid-many-3')).toMatchObject({ state: 'BOT', created_at: 2 });
    // A key inserted by another writer after this call's first read: its insert is ignored, its id read back.
    const racer = { ...key, customerId: 'psid-racer' };
    const created = await persistence.repos.conversations.ensure(racer, 3);
    const repo = persistence.repos.conversations as unknown as { readIds: (...args: unknown[]) => Promise<void> };
    const readIds = jest.spyOn(repo, 'readIds');
    readIds.mockImplementationOnce(async () => undefined); // the first read sees nothing (the row is not there yet)
    const again = await persistence.repos.conversations.ensureMany([racer, { ...key, customerId: 'psid-new' }], 4);
    readIds.mockRestore();
    expect(again.get(conversationKeyString(racer))).toBe(created.id);
    expect(again.get(conversationKeyString({ ...key, customerId: 'psid-new' }))).toEqual(expect.any(String));
    expect(await persistence.db.selectFrom('conversations').select('id').execute()).toHaveLength(73);
  });

  it('should roll back every write of a failed transaction', async () => {
    await expect(
      persistence.transaction(async (repos) => {
        await repos.conversations.ensure(key, 1);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await persistence.repos.conversations.findByKey(key)).toBeUndefined();
  });
  it('should list what ccm said since the customer last wrote, newest first, at most the limit', async () => {
    const { id } = await persistence.repos.conversations.ensure(key, 1000);
    const base = {
      conversation_id: id,
      content: null,
      attempts: 0,
      next_attempt_at: null,
      lease_until: null,
      error: null,
      event_ts: null,
      created_at: 1000,
      sent_at: null,
    };
    const inbound = (mid: string) =>
      persistence.repos.messages.insertOnce({ ...base, direction: 'in', author: 'customer', text: mid, mid, status: 'received' });
    const outbound = (text: string) =>
      persistence.repos.messages.enqueue({ ...base, author: 'bot', text, mid: null, next_attempt_at: 1000 });
    const since = async (limit?: number) => (await persistence.repos.messages.outboundSinceLastInbound(id, limit)).map((m) => m.text);
    expect(await since()).toEqual([]);
    await outbound('welcome');
    expect(await since()).toEqual(['welcome']); // the customer never wrote
    await inbound('m_1');
    expect(await since()).toEqual([]);
    for (const text of ['a', 'b', 'c']) await outbound(text);
    expect(await since()).toEqual(['c', 'b', 'a']);
    expect(await since(2)).toEqual(['c', 'b']);
    await inbound('m_2');
    await outbound('d');
    expect(await since()).toEqual(['d']);
  });
});

describe('the inbound journal on SQLite', () => {
  let persistence: PersistenceService;

  beforeEach(async () => {
    const open = await openDatabase(testDatabase('sqlite').config);
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
  });

  afterEach(() => persistence.close());

  // PostgreSQL keeps RETURNING (several writers): the describe.each above covers what both must do.
  it('should tell the new keys of a journal insert on SQLite from its change count, reading back only when some were duplicates', async () => {
    const { id } = await persistence.repos.conversations.ensure(key, 1);
    const event = (n: number) => ({
      dedupe_key: `k-${n}`,
      channel: 'messenger',
      page_id: '111',
      customer_id: 'psid-1',
      conversation_id: id,
      kind: 'message',
      event_ts: n,
      event: '{}',
      last_error: null,
      received_at: 1000 + n,
      processed_at: null,
    });
    // Which better-sqlite3 calls the journal's inserts and reads make (a statement that returns rows runs with `all`).
    const { default: Sqlite } = await import('better-sqlite3');
    const probe = new Sqlite(':memory:');
    const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<'run' | 'all', (...args: unknown[]) => unknown> & {
      source: string;
    };
    probe.close();
    const calls: string[] = [];
    const originals = { run: proto.run, all: proto.all };
    for (const method of ['run', 'all'] as const)
      proto[method] = function (this: { source: string }, ...args: unknown[]) {
        if (/inbound_events/.test(this.source)) calls.push(`${method} ${this.source.slice(0, 6)}`);
        return originals[method].apply(this, args);
      };
    try {
      expect(await persistence.repos.journal.recordNew([event(1), event(2), event(3)])).toEqual(new Set(['k-1', 'k-2', 'k-3']));
      expect(calls).toEqual(['run insert']); // no RETURNING, no read
      calls.length = 0;
      // Duplicates of rows written before, and of one written earlier in the same transaction.
      const fresh = await persistence.transaction(async (repos) => {
        await repos.journal.recordNew([event(4)]);
        return repos.journal.recordNew([event(2), event(5), event(4), event(6), event(1)]);
      });
      expect([...fresh].sort()).toEqual(['k-5', 'k-6']);
      expect(calls).toEqual(['run insert', 'run insert', 'all select']);
      calls.length = 0;
      expect(await persistence.repos.journal.recordNew([event(3), event(6)])).toEqual(new Set());
      expect(calls).toEqual(['run insert']); // nothing new: nothing to read back
    } finally {
      proto.run = originals.run;
      proto.all = originals.all;
    }
    expect((await persistence.repos.journal.countByStatus()).pending).toBe(6);
  });
});
