import { loadCcmConfig } from '@app/config';
import { ChannelDescriptor, ListedExtensions, OutboundMessage, OutboundTarget } from '@app/core';
import { InProcessPagePacer } from '@app/meta';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock, RecordingChannel } from '@app/testing';
import { ChannelRegistry } from './channel-registry.service';
import { ConversationBus } from './conversation-bus.service';
import { ConversationUnits } from './conversation-unit';
import { INSTANCE_ID } from './instance-id';
import { OutboxDispatcher } from './outbox-dispatcher.service';
import { enqueueOutbound } from './outbox-writer';

const LEASE_MS = 1000;
const PAGE = '1234567890';

/** A channel whose sends wait until the test opens the gate (a slow Meta, sends kept in flight). */
class GatedChannel extends RecordingChannel {
  started: string[] = [];
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  override async send(target: OutboundTarget, message: OutboundMessage): Promise<{ mid?: string }> {
    this.started.push(message.content.kind === 'text' ? message.content.text : '?');
    await this.gate;
    return super.send(target, message);
  }

  release(): void {
    this.open();
  }
}

/** An in-memory SQLite database with ccm's schema. */
async function memoryDatabase(): Promise<PersistenceService> {
  const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
  await migrateToLatest(open);
  return new PersistenceService(open);
}

/** ccm's config for one Page, with the given variables on top. */
function configWith(env: Record<string, string> = {}) {
  return loadCcmConfig({
    FACEBOOK_APP_SECRET: 'test-app-secret',
    FACEBOOK_VERIFY_TOKEN: 'test-verify-token',
    FACEBOOK_PAGE_ACCESS_TOKEN: 'test-page-token',
    FACEBOOK_PAGE_ID: PAGE,
    ...env,
  });
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The outbox's side of lease fencing, with the real dispatcher on SQLite: another instance taking a
 * message over (its lease ran out) is played by claiming it as that instance would, after expiry.
 */
describe('OutboxDispatcher lease fencing', () => {
  let persistence: PersistenceService;
  let channel: GatedChannel;
  let dispatcher: OutboxDispatcher;
  let clock: FakeClock;

  beforeEach(async () => {
    persistence = await memoryDatabase();
    const config = configWith({
      WORK_LEASE_MS: String(LEASE_MS),
      SEND_RATE_PER_PAGE: '20', // at most 2 of the Page's sends in flight
    });
    channel = new GatedChannel('messenger');
    const channels = new ChannelRegistry(new ListedExtensions([channel]));
    clock = new FakeClock(Date.now());
    // The pacer runs on real time: a high rate keeps it from postponing a send while the fake clock stands still.
    dispatcher = new OutboxDispatcher(persistence, channels, new ConversationBus(), config, new InProcessPagePacer(1000), clock);
  });

  afterEach(async () => {
    channel.release();
    await dispatcher.onApplicationShutdown();
    await persistence.close();
  });

  /** Queues one message per customer, all in one statement (so no claim can see only some of them). */
  async function queue(...messages: [customer: string, text: string][]): Promise<number[]> {
    const now = clock.now();
    const rows = [];
    for (const [customer, text] of messages) {
      const conversation = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: PAGE, customerId: customer }, now);
      rows.push({
        conversation_id: conversation.id,
        direction: 'out' as const,
        author: 'bot' as const,
        text,
        content: JSON.stringify({ kind: 'text', text }),
        mid: null,
        status: 'queued' as const,
        attempts: 0,
        next_attempt_at: now,
        lease_until: null,
        error: null,
        event_ts: null,
        created_at: now,
        sent_at: null,
      });
    }
    const inserted = await persistence.db.insertInto('messages').values(rows).returning('id').execute();
    return inserted.map((r) => Number(r.id));
  }

  /** Another instance claims the message once its lease has run out (by that instance's clock). */
  async function takeOver(messageId: number): Promise<void> {
    const row = await persistence.db.selectFrom('messages').select('conversation_id').where('id', '=', messageId).executeTakeFirstOrThrow();
    const [claimed] = await persistence.queues.outbox.claim({
      owner: 'other-instance',
      now: clock.now() + 3 * LEASE_MS,
      leaseMs: 60_000,
      limit: 1,
      key: row.conversation_id,
    });
    expect(claimed?.row.id).toBe(messageId);
  }

  it('should not send a claimed message whose lease ran out while it waited its turn', async () => {
    await queue(['psid-1', 'first']);
    dispatcher.onApplicationBootstrap();
    await until(() => channel.started.length === 1); // one of the Page's two send slots busy
    const [, third] = await queue(['psid-2', 'second'], ['psid-3', 'third']);
    dispatcher.kick();
    // Both claimed at once: "second" takes the last slot, "third" waits in this instance for a free one.
    await until(() => channel.started.length === 2);
    // It waits past half its lease (the clock moves, no sleeping), which runs out, and another instance takes it over.
    clock.advance(LEASE_MS / 2 + 100);
    await takeOver(third);
    channel.release();
    await dispatcher.onApplicationShutdown(); // every send of this instance finished
    expect(channel.sent.map((s) => (s.message.content as { text: string }).text).sort()).toEqual(['first', 'second']);
    const row = await persistence.db.selectFrom('messages').selectAll().where('id', '=', third).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', lease_owner: 'other-instance', mid: null });
  });

  it('should give back, not send, what it held for a Page once it is stopping', async () => {
    await queue(['psid-1', 'first']);
    dispatcher.onApplicationBootstrap();
    await until(() => channel.started.length === 1);
    const [, third] = await queue(['psid-2', 'second'], ['psid-3', 'third']);
    dispatcher.kick();
    await until(() => channel.started.length === 2); // "third" is held for the Page's next free send slot
    const stopped = dispatcher.onApplicationShutdown();
    channel.release(); // the sends in flight finish while it stops
    await stopped;
    expect(channel.sent.map((s) => (s.message.content as { text: string }).text).sort()).toEqual(['first', 'second']);
    const row = await persistence.db.selectFrom('messages').selectAll().where('id', '=', third).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', lease_until: null, mid: null }); // free for the next start at once
  });

  it("should record the channel's id when its lease was taken over during the send, so the new holder does not send again", async () => {
    const [id] = await queue(['psid-1', 'slow one']);
    dispatcher.onApplicationBootstrap();
    await until(() => channel.started.length === 1);
    await takeOver(id);
    channel.release();
    await dispatcher.onApplicationShutdown();
    expect(channel.sent).toHaveLength(1);
    const row = await persistence.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    // Still the new holder's to finish; it sees the message went out (as on its echo) and completes it.
    expect(row).toMatchObject({ status: 'queued', lease_owner: 'other-instance', mid: 'm_1' });
  });

  it('should record sends that finish together in one transaction, each row still fenced by its own lease', async () => {
    const [first, second] = await queue(['psid-1', 'first'], ['psid-2', 'second']);
    dispatcher.onApplicationBootstrap();
    await until(() => channel.started.length === 2); // both in flight (the Page's two send slots)
    await takeOver(second);
    const transactions = jest.spyOn(persistence, 'transaction');
    const looks = jest.spyOn(persistence.queues.outbox, 'hasPending');
    channel.release(); // both are accepted in the same turn of the event loop
    await dispatcher.onApplicationShutdown();
    expect(channel.sent).toHaveLength(2);
    expect(transactions).toHaveBeenCalledTimes(1);
    const rows = await persistence.db.selectFrom('messages').selectAll().where('id', 'in', [first, second]).orderBy('id').execute();
    expect(rows[0]).toMatchObject({ status: 'sent', lease_until: null, attempts: 1, sent_at: clock.now() });
    // The lost lease changed nothing but the channel's id (as after a lone send).
    expect(rows[1]).toMatchObject({ status: 'queued', lease_owner: 'other-instance', attempts: 0 });
    expect(rows[1].mid).not.toBeNull();
    // Whether the conversation had more to send came with the record of the send: no read of its own.
    expect(looks).not.toHaveBeenCalled();
  });
});

/** A channel that echoes every send back (as Messenger does), so an interrupted send can be confirmed. */
class EchoingChannel extends RecordingChannel {
  readonly descriptor: ChannelDescriptor = {
    id: 'messenger',
    displayName: 'Messenger (test)',
    docsUrl: 'https://example.test/messenger',
    capabilities: { richTemplates: true, typingIndicators: true, readReceipts: true, sendEchoes: true, actions: [] },
  };
}

/** Sends a holder was making when it died: awaited for their echo, never sent twice for want of a token. */
describe('OutboxDispatcher interrupted sends', () => {
  const ECHO_WAIT_MS = 5000;
  let persistence: PersistenceService;
  let channel: EchoingChannel;
  let dispatcher: OutboxDispatcher;
  let clock: FakeClock;

  beforeEach(async () => {
    persistence = await memoryDatabase();
    const config = configWith({
      WORK_LEASE_MS: String(LEASE_MS),
      ECHO_WAIT_MS: String(ECHO_WAIT_MS),
      SEND_RATE_PER_PAGE: '20', // a burst of 2: the third message of a pass finds the Page out of tokens
    });
    channel = new EchoingChannel('messenger');
    clock = new FakeClock(Date.now());
    const pacer = new InProcessPagePacer(20, () => clock.now());
    dispatcher = new OutboxDispatcher(
      persistence,
      new ChannelRegistry(new ListedExtensions([channel])),
      new ConversationBus(),
      config,
      pacer,
      clock,
    );
  });

  afterEach(async () => {
    await dispatcher.onApplicationShutdown();
    await persistence.close();
  });

  /** Three messages a dead instance was sending: claimed by it, and its lease has run out. */
  async function interruptedSends(): Promise<number[]> {
    const ids: number[] = [];
    for (const customer of ['psid-1', 'psid-2', 'psid-3']) {
      const conversation = await persistence.repos.conversations.ensure(
        { channel: 'messenger', pageId: PAGE, customerId: customer },
        clock.now(),
      );
      const text = `to ${customer}`;
      ids.push(
        await persistence.repos.messages.enqueue({
          conversation_id: conversation.id,
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
        }),
      );
    }
    const claimed = await persistence.queues.outbox.claim({ owner: 'dead-instance', now: clock.now(), leaseMs: LEASE_MS, limit: 10 });
    expect(claimed.map((c) => c.row.id).sort()).toEqual([...ids].sort());
    clock.advance(LEASE_MS + 1);
    return ids;
  }

  /** Claim passes until none of the messages is due or held (the fake clock stands still). */
  async function passesUntilIdle(ids: number[]): Promise<void> {
    for (let pass = 0; pass < 10; pass++) {
      await dispatcher.runOnce();
      const due = await persistence.db
        .selectFrom('messages')
        .select('id')
        .where('id', 'in', ids)
        .where('status', '=', 'queued')
        .where((eb) => eb.or([eb('lease_until', 'is not', null), eb('next_attempt_at', '<=', clock.now())]))
        .execute();
      if (due.length === 0) return;
    }
    throw new Error('the outbox did not settle in 10 passes');
  }

  it('should wait for the echo of every interrupted send, also when the Page has no token left for it', async () => {
    const ids = await interruptedSends();
    await passesUntilIdle(ids); // a pass claims at most a burst (2) of the Page's messages
    expect(channel.sent).toHaveLength(0);
    const rows = await persistence.db
      .selectFrom('messages')
      .select(['id', 'next_attempt_at', 'lease_until'])
      .where('id', 'in', ids)
      .execute();
    // All three wait the full echo wait: none was given back early for want of a token (which would
    // clear its lease, so the next claim would send it again without waiting for its echo).
    for (const row of rows) expect(row).toMatchObject({ next_attempt_at: clock.now() + ECHO_WAIT_MS, lease_until: null });

    // The first one's echo comes back: it went out. The other two never reached Meta: sent once each.
    const [first] = await persistence.db.selectFrom('messages').select('conversation_id').where('id', '=', ids[0]).execute();
    await persistence.repos.messages.attachMid(ids[0], first.conversation_id, 'm_echoed');
    clock.advance(ECHO_WAIT_MS);
    await passesUntilIdle(ids);
    expect(channel.sent.map((s) => (s.message.content as { text: string }).text).sort()).toEqual(['to psid-2', 'to psid-3']);
    const after = await persistence.db
      .selectFrom('messages')
      .select(['id', 'status', 'mid'])
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();
    expect(after.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(after[0].mid).toBe('m_echoed');
  });
});

/** Replies queued on this instance go out without a scan of the queue (one statement claims the conversation's head). */
describe('OutboxDispatcher hand-off', () => {
  let persistence: PersistenceService;
  let channel: GatedChannel;
  let dispatcher: OutboxDispatcher | undefined;
  let units: ConversationUnits;
  let bus: ConversationBus;
  let clock: FakeClock;
  let inFlight = 0;
  let mostInFlight = 0;

  beforeEach(async () => {
    persistence = await memoryDatabase();
    channel = new GatedChannel('messenger');
    inFlight = 0;
    mostInFlight = 0;
    const send = channel.send.bind(channel);
    channel.send = async (target, message) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await send(target, message);
      } finally {
        inFlight -= 1;
      }
    };
    bus = new ConversationBus();
    clock = new FakeClock(Date.now());
    units = new ConversationUnits(persistence, bus, clock);
    dispatcher = undefined;
  });

  /** The dispatcher on this test's database, started (loop and bus subscription). */
  function start(env: Record<string, string> = {}): OutboxDispatcher {
    const config = configWith(env);
    dispatcher = new OutboxDispatcher(
      persistence,
      new ChannelRegistry(new ListedExtensions([channel])),
      bus,
      config,
      new InProcessPagePacer(1000),
      clock,
    );
    dispatcher.onApplicationBootstrap();
    return dispatcher;
  }

  afterEach(async () => {
    channel.release();
    await dispatcher?.onApplicationShutdown();
    await persistence.close();
  });

  const texts = () => channel.sent.map((s) => (s.message.content as { text: string }).text);
  const conversationOf = async (customer: string, pageId = PAGE) =>
    (await persistence.repos.conversations.ensure({ channel: 'messenger', pageId, customerId: customer }, clock.now())).id;

  it('should send a reply queued here, and its next part after it, without a claim that scans the queue', async () => {
    const claim = jest.spyOn(persistence.queues.outbox, 'claim');
    start();
    channel.release();
    // The start-up pass (it waits for its turn in the event loop) has looked at the empty queue.
    await until(() => claim.mock.calls.length > 0);
    await claim.mock.results[0].value;
    const conversation = await conversationOf('psid-1');
    await units.run(async (unit) => {
      await unit.enqueue(conversation, 'bot', { kind: 'text', text: 'first part' });
      await unit.enqueue(conversation, 'bot', { kind: 'text', text: 'second part' });
    });
    await until(() => channel.sent.length === 2);
    expect(texts()).toEqual(['first part', 'second part']);
    // Whatever the poll found meanwhile, no scan took these messages: they were handed off.
    for (const result of claim.mock.results) expect(await result.value).toEqual([]);
  });

  it('should never have more sends in flight than OUTBOX_CONCURRENCY when replies are handed off together', async () => {
    start({ OUTBOX_CONCURRENCY: '1' });
    const conversations: string[] = [];
    for (const c of ['a', 'b', 'c', 'd']) conversations.push(await conversationOf(`psid-${c}`, `99${c.charCodeAt(0)}`));
    // Four replies committed at once (four Pages, so no Page limit holds any back): four hand-offs.
    await units.run(async (unit) => {
      for (const id of conversations) await unit.enqueue(id, 'bot', { kind: 'text', text: `to ${id}` });
    });
    await until(() => channel.started.length >= 1);
    channel.release();
    await until(() => channel.sent.length === 4);
    expect(mostInFlight).toBe(1);
  });

  it("should send a conversation's next message as soon as its previous send finished, also when it was not queued here", async () => {
    const claim = jest.spyOn(persistence.queues.outbox, 'claim');
    start();
    channel.release();
    // The start-up pass (it waits for its turn in the event loop) has looked at the empty queue; a pass
    // still waiting for its turn could otherwise claim a next message before the finished send does.
    await until(() => claim.mock.calls.length > 0);
    await claim.mock.results[0].value;
    claim.mockClear();
    const conversation = await conversationOf('psid-backlog');
    // Queued without this instance's bus (another instance, a retry, a restart): found by one claim pass.
    for (let i = 0; i < 5; i++)
      await enqueueOutbound(persistence.repos, conversation, 'agent', { kind: 'text', text: `m${i}` }, clock.now());
    dispatcher!.kick();
    await until(() => channel.sent.length === 5);
    expect(texts()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    // One pass found the head; each next message was claimed when the send before it finished, not by later passes.
    const found = await Promise.all(claim.mock.results.map((r) => r.value as Promise<unknown[]>));
    expect(found.filter((rows) => rows.length > 0)).toHaveLength(1);
  });

  it('should send a reply stored already leased to this instance without any claim, and its next part after it', async () => {
    const sender = start();
    const leasedUnits = new ConversationUnits(persistence, bus, clock, sender);
    const claimHead = jest.spyOn(persistence.queues.outbox, 'claimHead');
    const reads = jest.spyOn(persistence.repos.conversations, 'findById');
    channel.release();
    const conversation = await conversationOf('psid-1');
    let ids: number[] = [];
    await leasedUnits.run(async (unit) => {
      ids = [
        ...(await unit.enqueue(conversation, 'bot', { kind: 'text', text: 'first part' })),
        ...(await unit.enqueue(conversation, 'bot', { kind: 'text', text: 'second part' })),
      ];
    });
    await until(() => channel.sent.length === 2);
    expect(texts()).toEqual(['first part', 'second part']);
    await dispatcher!.onApplicationShutdown(); // both sends recorded
    dispatcher = undefined;
    const rows = await persistence.db.selectFrom('messages').selectAll().where('id', 'in', ids).orderBy('id').execute();
    // The first was stored leased (its only claim: epoch 1); the second queued behind it, claimed once it was sent.
    expect(rows.map((r) => [r.status, r.lease_epoch])).toEqual([
      ['sent', 1],
      ['sent', 1],
    ]);
    // The leased one came with its target; only the claimed one read the conversation.
    expect(claimHead).toHaveBeenCalledTimes(1);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('should store a reply unleased while no send slot is free, and give one stored leased back then, sending both once a slot is', async () => {
    const sender = start({ OUTBOX_CONCURRENCY: '1' });
    const leasedUnits = new ConversationUnits(persistence, bus, clock, sender);
    const a = await conversationOf('psid-a', '9901');
    const b = await conversationOf('psid-b', '9902');
    const c = await conversationOf('psid-c', '9903');
    await leasedUnits.run((unit) => unit.enqueue(a, 'bot', { kind: 'text', text: 'to a' }));
    await until(() => channel.started.length === 1); // the only slot is busy
    // Queued as usual (no lease that would only have to be given back), for the next pass.
    const [toB] = await leasedUnits.run((unit) => unit.enqueue(b, 'bot', { kind: 'text', text: 'to b' }));
    expect(await persistence.repos.messages.findById(toB)).toMatchObject({ lease_owner: null, lease_epoch: 0 });
    // One leased when a slot was free, handed off once none is: given back (not left leased, which
    // would read as an interrupted send), free for the next pass.
    const stored = await persistence.repos.messages.enqueueLeased(
      {
        conversation_id: c,
        author: 'bot',
        text: 'to c',
        content: JSON.stringify({ kind: 'text', text: 'to c' }),
        mid: null,
        attempts: 0,
        next_attempt_at: clock.now(),
        lease_until: null,
        error: null,
        event_ts: null,
        created_at: clock.now(),
        sent_at: null,
      },
      { owner: INSTANCE_ID, until: clock.now() + 60_000 },
    );
    sender.takeLeased(
      { row: stored.row, lease: { table: 'messages', id: stored.row.id, owner: INSTANCE_ID, epoch: 1 }, interrupted: false },
      stored.conversation,
    );
    await until(async () => (await persistence.repos.messages.findById(stored.row.id))?.lease_until === null);
    channel.release();
    await until(() => channel.sent.length === 3);
    expect(texts().sort()).toEqual(['to a', 'to b', 'to c']);
    expect(mostInFlight).toBe(1);
  });

  it('should start no send once shutdown has returned, for a reply committed just before it', async () => {
    start();
    channel.release();
    const conversation = await conversationOf('psid-late');
    await units.run(async (unit) => {
      await unit.enqueue(conversation, 'bot', { kind: 'text', text: 'late' });
    });
    await dispatcher!.onApplicationShutdown();
    dispatcher = undefined;
    const sendsAtShutdown = channel.sent.length;
    // Let everything already scheduled on the event loop run (a hand-off's flush is a setImmediate; the
    // in-memory database answers within the same turns): nothing may claim or send after shutdown.
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(channel.sent).toHaveLength(sendsAtShutdown);
    // Either it went out before shutdown returned, or it is still queued and free for the next start: never claimed by a hand-off still under way.
    const row = await persistence.db
      .selectFrom('messages')
      .select(['status', 'lease_until'])
      .where('conversation_id', '=', conversation)
      .executeTakeFirstOrThrow();
    expect([
      { status: 'sent', lease_until: null, sends: 1 },
      { status: 'queued', lease_until: null, sends: 0 },
    ]).toContainEqual({ ...row, sends: channel.sent.length });
  });
});
