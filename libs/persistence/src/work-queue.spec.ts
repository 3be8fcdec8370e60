import { sql } from 'kysely';
import { FakeClock, TEST_DIALECTS, testDatabase } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';
import { fenceFinishesWork, LeaseLostError, runFenced, runFencedToFinish } from './work-fence';
import { WorkQueue } from './work-queue';

const BACKOFF = { baseMs: 1000, capMs: 60_000, maxAttempts: 3 };
const LEASE_MS = 30_000;

describe.each(TEST_DIALECTS)('WorkQueue on %s', (dialect) => {
  /** What a finishing fence tells when nothing else is pending: only SQLite says so (see `finishingFence`). */
  const noneMore = dialect === 'sqlite' ? { more: false } : {};
  let persistence: PersistenceService;
  let cleanup: () => Promise<void>;
  let clock: FakeClock;
  let seq = 0;

  beforeEach(async () => {
    // SQLite in memory (the unit-spec default); PostgreSQL in a fresh schema.
    const test =
      dialect === 'sqlite' ? { config: { dialect, url: ':memory:' } as const, cleanup: async () => undefined } : testDatabase(dialect);
    cleanup = test.cleanup;
    const open = await openDatabase(test.config);
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
    clock = new FakeClock();
  });

  afterEach(async () => {
    await persistence.close();
    await cleanup();
  });

  async function conversation(customerId: string, pageId = '111'): Promise<string> {
    return (await persistence.repos.conversations.ensure({ channel: 'messenger', pageId, customerId }, clock.now())).id;
  }

  async function journal(conversationId: string | null, eventTs: number, pageId = '111'): Promise<number> {
    seq += 1;
    await persistence.repos.journal.record([
      {
        dedupe_key: `k-${seq}`,
        channel: 'messenger',
        page_id: pageId,
        customer_id: conversationId ? 'c' : null,
        conversation_id: conversationId,
        kind: 'message',
        event_ts: eventTs,
        event: '{}',
        last_error: null,
        received_at: clock.now(),
        processed_at: null,
      },
    ]);
    const row = await persistence.db
      .selectFrom('inbound_events')
      .select('id')
      .where('dedupe_key', '=', `k-${seq}`)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function outbound(conversationId: string, text: string): Promise<number> {
    return persistence.repos.messages.enqueue({
      conversation_id: conversationId,
      author: 'bot',
      text,
      content: JSON.stringify({ kind: 'text', text }),
      mid: null,
      attempts: 0,
      next_attempt_at: clock.now(),
      lease_until: null,
      error: null,
      event_ts: null,
      created_at: clock.now(),
      sent_at: null,
    });
  }

  const claim = (owner: string, limit = 10, extra: { key?: string; perGroup?: number } = {}) =>
    persistence.queues.journal.claim({ owner, now: clock.now(), leaseMs: LEASE_MS, limit, ...extra });

  it('should claim only the head of each key, in event-time order, and the next one after completion', async () => {
    const a = await conversation('a');
    const b = await conversation('b');
    const a2 = await journal(a, 2000);
    const a1 = await journal(a, 1000); // arrived later, happened earlier: it goes first
    const b1 = await journal(b, 1500);

    const first = await claim('w1');
    expect(first.map((c) => c.row.id).sort()).toEqual([a1, b1].sort());
    // While a1 is leased, nothing else of conversation a is claimable (by anyone).
    expect(await claim('w2')).toEqual([]);

    const lease = first.find((c) => c.row.id === a1)!.lease;
    expect(await persistence.queues.journal.complete(lease, 'done', clock.now())).toBe(true);
    const next = await claim('w2', 10, { key: a });
    expect(next.map((c) => c.row.id)).toEqual([a2]);
    expect(next[0].interrupted).toBe(false);
  });

  it('should let a new holder take over an expired lease and fence the old holder out', async () => {
    const a = await conversation('a');
    const id = await journal(a, 1000);
    const [old] = await claim('old');
    clock.advance(LEASE_MS + 1);
    const [taken] = await claim('new');
    expect(taken.row.id).toBe(id);
    expect(taken.lease.epoch).toBe(old.lease.epoch + 1);
    expect(taken.interrupted).toBe(true); // the old holder never finished or gave it back

    // The old holder's late writes change nothing…
    expect(await persistence.queues.journal.complete(old.lease, 'done', clock.now())).toBe(false);
    expect(await persistence.queues.journal.renew(old.lease, clock.now(), LEASE_MS)).toBe(false);
    expect((await persistence.queues.journal.fail(old.lease, 1, 'boom', clock.now(), BACKOFF)).outcome).toBe('lost');
    // …and the same holder re-claiming after expiry is a new epoch too (a stalled turn of this process).
    expect(await persistence.queues.journal.complete(taken.lease, 'done', clock.now())).toBe(true);
    const row = await persistence.db.selectFrom('inbound_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
    expect(row.processed_at).toBe(clock.now());
    expect(row.last_error).toBeNull();
  });

  it('should make the transaction of a holder that lost its lease have no effect', async () => {
    const a = await conversation('a');
    const id = await journal(a, 1000);
    const [old] = await claim('old');
    clock.advance(LEASE_MS + 1);
    const [taken] = await claim('new');

    const attempt = (lease: typeof old.lease, text: string) =>
      runFenced(lease, () =>
        persistence.transaction(async (repos) => {
          await repos.conversations.update(a, { handover_reason: text });
          await repos.journal.markDone(id, clock.now());
        }),
      );
    await expect(attempt(old.lease, 'from the old holder')).rejects.toBeInstanceOf(LeaseLostError);
    expect((await persistence.repos.conversations.findById(a))!.handover_reason).toBeNull();
    await attempt(taken.lease, 'from the new holder');
    expect((await persistence.repos.conversations.findById(a))!.handover_reason).toBe('from the new holder');
    // Once the unit has committed, later transactions in the same context (listeners) are not fenced.
    await runFenced(old.lease, async () => undefined);
  });

  it("should finish the work with the fence itself: one statement, in the transaction that commits the work's effects", async () => {
    const a = await conversation('a');
    const id = await journal(a, 1000);
    const [old] = await claim('old');
    clock.advance(LEASE_MS + 1);
    const [taken] = await claim('new');
    const markDone = persistence.queues.journal.finishingFence('done', () => clock.now());
    const status = async () =>
      persistence.db
        .selectFrom('inbound_events')
        .select(['status', 'processed_at', 'lease_until'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const attempt = (lease: typeof old.lease, text: string, fail = false) =>
      runFencedToFinish(lease, markDone, () =>
        persistence.transaction(
          async (repos) => {
            expect(fenceFinishesWork()).toBe(true); // the unit leaves the done mark to its fence
            await repos.conversations.update(a, { handover_reason: text });
            if (fail) throw new Error('the effects failed');
          },
          { finishesWork: true },
        ),
      );

    await expect(attempt(old.lease, 'from the old holder')).rejects.toBeInstanceOf(LeaseLostError);
    await expect(attempt(taken.lease, 'failed', true)).rejects.toThrow('the effects failed');
    expect(await status()).toMatchObject({ status: 'pending' }); // rolled back with the effects
    expect((await persistence.repos.conversations.findById(a))!.handover_reason).toBeNull();

    clock.advance(5);
    expect(await attempt(taken.lease, 'from the new holder')).toEqual({ result: undefined, finished: true, ...noneMore });
    expect(await status()).toEqual({ status: 'done', processed_at: clock.now(), lease_until: null });
    expect((await persistence.repos.conversations.findById(a))!.handover_reason).toBe('from the new holder');
    // Finished: the same lease cannot finish it again; work that committed nothing reports it is not finished.
    await expect(attempt(taken.lease, 'again')).rejects.toBeInstanceOf(LeaseLostError);
    expect(await runFencedToFinish(taken.lease, markDone, async () => 'no transaction')).toEqual({
      result: 'no transaction',
      finished: false,
    });
  });

  it('should finish the work only in the transaction that carries its effects, not in an earlier one under the same fence', async () => {
    const a = await conversation('a');
    const id = await journal(a, 1000);
    const markDone = persistence.queues.journal.finishingFence('done', () => clock.now());
    const status = async (db = persistence.db) =>
      (await db.selectFrom('inbound_events').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    const unrelatedWrite = (text: string) =>
      persistence.transaction(async (repos) => {
        await repos.conversations.update(a, { handover_reason: text });
      });

    // An unrelated transaction commits (a pause write, a connector's state), then the handler fails:
    // the event is not done (before: the first transaction under the fence marked it done).
    const [first] = await claim('w');
    await expect(
      runFencedToFinish(first.lease, markDone, async () => {
        await unrelatedWrite('paused');
        throw new Error('the bot failed');
      }),
    ).rejects.toThrow('the bot failed');
    expect(await status()).toBe('pending');
    expect((await persistence.repos.conversations.findById(a))!.handover_reason).toBe('paused'); // committed, lease checked
    expect((await persistence.queues.journal.fail(first.lease, 1, 'the bot failed', clock.now(), BACKOFF)).outcome).toBe('retry');

    // The retry: the unrelated transaction again, then the effects' transaction finishes the event, once.
    clock.advance(BACKOFF.capMs);
    const [retry] = await claim('w');
    expect(retry.row.id).toBe(id);
    const seen: string[] = [];
    const outcome = await runFencedToFinish(retry.lease, markDone, async () => {
      await unrelatedWrite('paused again');
      seen.push(await status());
      await persistence.transaction(
        async (repos) => {
          await repos.conversations.update(a, { handover_reason: 'the effects' });
          seen.push(await status(repos.db)); // the fence's finish ran first in this transaction
        },
        { finishesWork: true },
      );
      await unrelatedWrite('a listener after the commit'); // not fenced any more
    });
    expect(outcome).toEqual({ result: undefined, finished: true, ...noneMore });
    expect(seen).toEqual(['pending', 'done']);
    expect(await status()).toBe('done');
    expect((await persistence.repos.conversations.findById(a))!.handover_reason).toBe('a listener after the commit');
  });

  it("should tell, in the statement that finishes the work, that the work's conversation has other work pending (and, on SQLite, that it has none)", async () => {
    const a = await conversation('a');
    const b = await conversation('b');
    const markDone = persistence.queues.journal.finishingFence('done', () => clock.now());
    const finish = (lease: Parameters<typeof runFencedToFinish>[0]) =>
      runFencedToFinish(lease, markDone, () => persistence.transaction(async () => undefined, { finishesWork: true }));
    const dead = await journal(a, 500);
    await journal(a, 1000);
    await journal(a, 2000);
    await journal(b, 1500);
    await journal(null, 1200); // a Page-level event: no conversation
    const [parked] = await claim('w', 10, { key: a });
    expect(parked.row.id).toBe(dead);
    await persistence.queues.journal.dead(parked.lease, 1, 'poison', clock.now()); // dead work is not pending

    const [first] = await claim('w', 10, { key: a });
    expect(await finish(first.lease)).toEqual({ result: undefined, finished: true, more: true }); // a's event at 2000 waits
    // An event added before the finishing statement counts, even one not due yet (a retry's backoff).
    const second = (await claim('w', 10, { key: a }))[0];
    await journal(a, 3000);
    await persistence.db
      .updateTable('inbound_events')
      .set({ next_attempt_at: clock.now() + 60_000 })
      .where('event_ts', '=', 3000)
      .execute();
    expect(await finish(second.lease)).toMatchObject({ finished: true, more: true });
    clock.advance(60_000);
    const last = (await claim('w', 10, { key: a }))[0];
    expect(last.row.event_ts).toBe(3000);
    // The last of a: b's and the Page's pending events are not a's.
    expect(await finish(last.lease)).toEqual({ result: undefined, finished: true, ...noneMore });
    const [page] = await claim('w', 10, { key: 'page:111' });
    expect(await finish(page.lease)).toEqual({ result: undefined, finished: true, ...noneMore });
    // A lost lease finishes nothing and tells nothing.
    await expect(finish(last.lease)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it("should return the event's conversation with every claim of the journal, as a read gives it", async () => {
    const a = await conversation('a');
    await persistence.repos.conversations.update(a, { bot_confidence: 0.25, customer_profile: '{"first_name":"Zoë"}', queued_at: 1234 });
    await journal(a, 1000);
    await journal(a, 2000);
    await journal(null, 1500); // a Page-level event names no conversation
    const read = await persistence.repos.conversations.findById(a);
    const claimed = await claim('w');
    expect(claimed.map((c) => [c.row.conversation_id, c.related])).toEqual([
      [a, read],
      [null, undefined],
    ]);
    expect(claimed[0].row).not.toHaveProperty('related_row'); // the row is the journal's own
    await persistence.queues.journal.complete(claimed[0].lease, 'done', clock.now());
    await persistence.repos.conversations.update(a, { state: 'AGENT' });
    const head = await persistence.queues.journal.claimHead(a, { owner: 'w', now: clock.now(), leaseMs: LEASE_MS });
    expect(head?.row.event_ts).toBe(2000);
    expect(head?.related).toEqual(await persistence.repos.conversations.findById(a)); // as it is now
    // A queue without a related table returns none.
    await outbound(a, 'hello');
    const [message] = await persistence.queues.outbox.claim({ owner: 'w', now: clock.now(), leaseMs: LEASE_MS, limit: 1 });
    expect(message.related).toBeUndefined();
  });

  it('should retry with the shared backoff, park as dead after the last attempt, and replay', async () => {
    const a = await conversation('a');
    const id = await journal(a, 1000);
    const later = await journal(a, 2000);
    let [work] = await claim('w');
    const first = await persistence.queues.journal.fail(work.lease, 1, 'first failure', clock.now(), BACKOFF);
    expect(first.outcome).toBe('retry');
    const delay = first.outcome === 'retry' ? first.delayMs : 0;
    expect(delay).toBeGreaterThanOrEqual(500);
    expect(delay).toBeLessThanOrEqual(1000);
    // Backing off: neither it nor the later event of its conversation is due (order is kept).
    expect(await claim('w')).toEqual([]);
    clock.advance(delay);
    [work] = await claim('w');
    expect(work.row.id).toBe(id);
    expect(work.row.attempts).toBe(1);
    expect((await persistence.queues.journal.fail(work.lease, 2, 'second', clock.now(), BACKOFF)).outcome).toBe('retry');
    clock.advance(2000);
    [work] = await claim('w');
    expect((await persistence.queues.journal.fail(work.lease, 3, 'third', clock.now(), BACKOFF)).outcome).toBe('dead');

    // Dead work no longer holds up its key.
    const [next] = await claim('w');
    expect(next.row.id).toBe(later);
    await persistence.queues.journal.complete(next.lease, 'done', clock.now());
    expect((await persistence.queues.journal.listDead()).map((r) => [r.id, r.last_error])).toEqual([[id, 'third']]);

    expect(await persistence.queues.journal.replay(id, clock.now())).toBe(true);
    expect(await persistence.queues.journal.replay(id, clock.now())).toBe(false); // not dead any more
    const [again] = await claim('w');
    expect(again.row).toMatchObject({ id, attempts: 0, status: 'pending' });
  });

  it('should release without counting an attempt (rate limit, paused Page)', async () => {
    const a = await conversation('a');
    const id = await outbound(a, 'hello');
    const q = persistence.queues.outbox;
    const [work] = await q.claim({ owner: 'w', now: clock.now(), leaseMs: LEASE_MS, limit: 5 });
    expect(await q.release(work.lease, clock.now() + 100)).toBe(true);
    expect(await q.claim({ owner: 'w', now: clock.now(), leaseMs: LEASE_MS, limit: 5 })).toEqual([]);
    clock.advance(100);
    const [again] = await q.claim({ owner: 'w', now: clock.now(), leaseMs: LEASE_MS, limit: 5 });
    expect(again.row).toMatchObject({ id, attempts: 0 });
    expect(again.interrupted).toBe(false); // given back properly, not abandoned
  });

  it('should serve Pages fairly: a backlog on one Page does not crowd out another', async () => {
    const heads: number[] = [];
    for (let i = 0; i < 20; i++) heads.push(await outbound(await conversation(`a-${i}`, 'A'), `to a ${i}`));
    const b = await outbound(await conversation('b-0', 'B'), 'to b');
    const claimed = await persistence.queues.outbox.claim({ owner: 'w', now: clock.now(), leaseMs: LEASE_MS, limit: 4 });
    expect(claimed.map((c) => c.row.id)).toContain(b);
    expect(claimed).toHaveLength(4);
    // Only outbound rows are queue rows: an inbound message never becomes work.
    expect(claimed.every((c) => c.row.direction === 'out')).toBe(true);
    const capped = await persistence.queues.outbox.claim({ owner: 'w', now: clock.now(), leaseMs: LEASE_MS, limit: 10, perGroup: 2 });
    expect(capped).toHaveLength(2); // Page B has nothing left; Page A at most 2 per claim
  });

  it('should order Page-level events (no conversation) per Page', async () => {
    const p1 = await journal(null, 1000, 'P');
    await journal(null, 2000, 'P');
    const q1 = await journal(null, 1000, 'Q');
    expect((await claim('w')).map((c) => c.row.id).sort()).toEqual([p1, q1].sort());
  });

  it('should key a queue by its conversation column when it says no other key, for claim and claimHead alike', async () => {
    // The outbox's shape, said once: no `key` beside the column.
    const queue = new WorkQueue(persistence.db, dialect, {
      table: 'messages',
      conversationColumn: 'conversation_id',
      order: ['id'],
      pending: 'queued',
      dead: 'failed',
      errorColumn: 'error',
      scope: (a) => `${a}.direction = 'out'`,
    });
    const a = await conversation('a');
    const b = await conversation('b');
    const a1 = await outbound(a, 'a1');
    await outbound(a, 'a2');
    const b1 = await outbound(b, 'b1');
    const options = { owner: 'w', now: clock.now(), leaseMs: LEASE_MS };
    expect((await queue.claim({ ...options, limit: 10 })).map((c) => c.row.id).sort()).toEqual([a1, b1].sort());
    expect(await queue.claim({ ...options, limit: 10, key: a })).toEqual([]); // a's head is leased
    expect(await queue.claimHead(a, options)).toBeUndefined();
  });

  it('should never hand the same work to two concurrent claimers', async () => {
    for (let i = 0; i < 40; i++) {
      const c = await conversation(`c-${i}`);
      await journal(c, 1000);
      await journal(c, 2000);
    }
    const results = (await Promise.all(Array.from({ length: 6 }, (_, i) => claim(`w${i}`, 10)))).flat();
    // A claimer that finds candidates locked by another skips them and may come back with fewer.
    for (let round = 0; round < 10 && results.length < 40; round++) results.push(...(await claim('late', 10)));
    const ids = results.map((c) => c.row.id);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = results.map((c) => c.row.conversation_id);
    expect(new Set(keys).size).toBe(keys.length); // one item per conversation at a time
    expect(ids.length).toBe(40);
  });
  it("should claim one conversation's head in one statement: in order, not while leased, and leave expired leases to claim", async () => {
    const a = await conversation('a');
    const a2 = await journal(a, 2000);
    const a1 = await journal(a, 1000);
    const head = (owner: string, now = clock.now()) => persistence.queues.journal.claimHead(a, { owner, now, leaseMs: LEASE_MS });
    const first = await head('w1');
    expect(first?.row.id).toBe(a1);
    expect(first?.interrupted).toBe(false);
    expect(await head('w2')).toBeUndefined(); // the conversation is busy
    expect(await persistence.queues.journal.complete(first!.lease, 'done', clock.now())).toBe(true);
    const second = await head('w2');
    expect(second?.row.id).toBe(a2);
    // Its holder stops; once the lease has run out it is claim's to take (and to report as interrupted).
    clock.advance(LEASE_MS + 1);
    expect(await head('w3')).toBeUndefined();
    const [taken] = await claim('w3');
    expect([taken.row.id, taken.interrupted]).toEqual([a2, true]);
  });

  it('should tell whether a conversation has work waiting (leased or not, due or not) with one read', async () => {
    const a = await conversation('a');
    const b = await conversation('b');
    const id = await outbound(a, 'hello');
    const [work] = await persistence.queues.outbox.claim({ owner: 'w', now: clock.now(), leaseMs: LEASE_MS, limit: 1 });
    expect(work.row.id).toBe(id);
    expect([await persistence.queues.outbox.hasPending(a), await persistence.queues.outbox.hasPending(b)]).toEqual([true, false]);
    // An inbound message of the conversation is no outbox work.
    await persistence.repos.messages.insertOnce({ ...inbound, conversation_id: b });
    expect(await persistence.queues.outbox.hasPending(b)).toBe(false);
    expect(await persistence.queues.outbox.complete(work.lease, 'sent', clock.now())).toBe(true);
    expect(await persistence.queues.outbox.hasPending(a)).toBe(false);
  });

  it("should store an outbound message already leased only when it is its conversation's head, fenced like a claim", async () => {
    const a = await conversation('a');
    const b = await conversation('b');
    const c = await conversation('c');
    const message = (conversationId: string, text: string) => ({
      conversation_id: conversationId,
      author: 'bot' as const,
      text,
      content: JSON.stringify({ kind: 'text', text }),
      mid: null,
      attempts: 0,
      next_attempt_at: clock.now(),
      lease_until: null,
      error: null,
      event_ts: null,
      created_at: clock.now(),
      sent_at: null,
    });
    const lease = { owner: 'w', until: clock.now() + LEASE_MS };
    // Stored by a transaction that changed the conversation first: the target comes as it leaves it.
    const { row: first, conversation: target } = await persistence.transaction(async (repos) => {
      await repos.conversations.update(a, { last_user_event_at: 1234, thread_owner: 'inbox' });
      return repos.messages.enqueueLeased(message(a, 'one'), lease);
    });
    expect(first).toMatchObject({ status: 'queued', direction: 'out', text: 'one', lease_owner: 'w', lease_epoch: 1 });
    expect(Number(first.lease_until)).toBe(lease.until);
    expect(target).toEqual({
      id: a,
      channel: 'messenger',
      page_id: '111',
      customer_id: 'a',
      last_user_event_at: 1234,
      ads_message_at: null,
      thread_owner: 'inbox',
    });
    // Behind a queued message (leased or not) it is queued as usual, for a claim to take in order.
    const { row: second } = await persistence.repos.messages.enqueueLeased(message(a, 'two'), lease);
    expect(second).toMatchObject({ lease_owner: null, lease_until: null, lease_epoch: 0 });
    await outbound(b, 'queued first');
    expect((await persistence.repos.messages.enqueueLeased(message(b, 'behind it'), lease)).row).toMatchObject({ lease_owner: null });
    const claimA = () => persistence.queues.outbox.claim({ owner: 'x', now: clock.now(), leaseMs: LEASE_MS, limit: 10, key: a });
    // The conversation is busy while its head is leased: no claim takes the next one.
    expect(await claimA()).toEqual([]);
    const work = { table: 'messages' as const, id: Number(first.id), owner: 'w', epoch: 1 };
    expect(await persistence.queues.outbox.complete({ ...work, epoch: 0 }, 'sent', clock.now())).toBe(false);
    expect(await persistence.queues.outbox.complete(work, 'sent', clock.now())).toBe(true);
    const [next] = await claimA();
    expect(Number(next.row.id)).toBe(Number(second.id));
    // A sender that died holding one: once its lease has run out, a claim takes it as interrupted.
    const { row: held } = await persistence.repos.messages.enqueueLeased(message(c, 'never sent'), lease);
    clock.advance(LEASE_MS + 1);
    const [taken] = await persistence.queues.outbox.claim({ owner: 'x', now: clock.now(), leaseMs: LEASE_MS, limit: 10, key: c });
    expect([Number(taken.row.id), taken.interrupted]).toEqual([Number(held.id), true]);
  });

  it('should complete work and tell in the same statement whether its key has more, changing nothing on a lost lease', async () => {
    const a = await conversation('a');
    const b = await conversation('b');
    const first = await outbound(a, 'one');
    const second = await outbound(a, 'two');
    await outbound(b, 'other conversation');
    const claimA = () => persistence.queues.outbox.claim({ owner: 'w', now: clock.now(), leaseMs: LEASE_MS, limit: 1, key: a });
    const [one] = await claimA();
    expect(one.row.id).toBe(first);
    const extra = { mid: 'm_one', sent_at: clock.now() };
    // A lease that is not ours (a stale epoch) finishes nothing and tells nothing.
    expect(
      await persistence.queues.outbox.completeAndPeek({ ...one.lease, epoch: one.lease.epoch - 1 }, 'sent', clock.now(), extra),
    ).toEqual({
      done: false,
    });
    expect(await persistence.repos.messages.findById(first)).toMatchObject({ status: 'queued', mid: null });
    expect(await persistence.queues.outbox.completeAndPeek(one.lease, 'sent', clock.now(), extra)).toEqual({ done: true, more: true });
    expect(await persistence.repos.messages.findById(first)).toMatchObject({ status: 'sent', mid: 'm_one', lease_until: null });
    const [two] = await claimA();
    expect(two.row.id).toBe(second);
    // The other conversation's queued message does not count.
    expect(await persistence.queues.outbox.completeAndPeek(two.lease, 'sent', clock.now(), { mid: 'm_two' })).toEqual({
      done: true,
      more: false,
    });
  });
});

const inbound = {
  direction: 'in',
  author: 'customer',
  text: 'hi',
  content: null,
  mid: 'm_in_1',
  status: 'received',
  attempts: 0,
  next_attempt_at: null,
  lease_until: null,
  error: null,
  event_ts: 1,
  created_at: 1,
  sent_at: null,
} as const;

describe('WorkQueue statements on PostgreSQL (generic plans of the prepared hot statements)', () => {
  let persistence: PersistenceService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const test = testDatabase('postgres');
    cleanup = test.cleanup;
    const open = await openDatabase(test.config);
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
  });

  afterEach(async () => {
    await persistence.close();
    await cleanup();
  });

  /** The plan PostgreSQL uses for a statement prepared once and run with any values (the pool prepares the hot ones). */
  async function genericPlan(compiled: { sql: string; parameters: readonly unknown[] }): Promise<string> {
    const values = compiled.parameters.map((v) => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v)));
    return persistence.db.connection().execute(async (db) => {
      await sql`set plan_cache_mode = force_generic_plan`.execute(db);
      await sql.raw(`prepare plan_probe as ${compiled.sql}`).execute(db);
      try {
        const { rows } = await sql.raw<{ 'QUERY PLAN': string }>(`explain execute plan_probe(${values.join(', ')})`).execute(db);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await sql.raw('deallocate plan_probe').execute(db);
        await sql`reset plan_cache_mode`.execute(db);
      }
    });
  }

  /** A QueryTemplate's statement as it is compiled for the pool (its builder, run with these values). */
  function compiled(template: unknown, ...args: unknown[]): { sql: string; parameters: readonly unknown[] } {
    const build = (
      template as { build: (db: unknown, ...args: unknown[]) => { compile(): { sql: string; parameters: readonly unknown[] } } }
    ).build;
    return build(persistence.db, ...args).compile();
  }

  it("should find an outbound conversation's head and its busy check by the partial index of queued messages, not every queued message", async () => {
    const outbox = persistence.queues.outbox as unknown as Record<'headClaim' | 'pendingLook', unknown>;
    const head = await genericPlan(compiled(outbox.headClaim, 'owner', 2_000, 'conversation-1', 1_000));
    // Both subqueries (the head, and whether any of the conversation's messages is leased) probe it.
    expect(head.match(/using messages_outbox_queued on messages [hp]\b/g)).toHaveLength(2);
    expect(head).not.toMatch(/Bitmap Index Scan on messages_outbox\b/);
    const look = await genericPlan(compiled(outbox.pendingLook, 'conversation-1'));
    expect(look).toMatch(/using messages_outbox_queued on messages h\b/);
  });
});
