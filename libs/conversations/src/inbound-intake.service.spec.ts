import { ServiceUnavailableException } from '@nestjs/common';
import { InboundEvent } from '@app/core';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { TEST_DIALECTS, testDatabase } from '@app/testing';
import { InboundIntakeService } from './inbound-intake.service';
import { InboundOffer, InboundProcessor } from './inbound-processor.service';

function message(n: number, customer = `psid-${n % 7}`): InboundEvent {
  return {
    channel: 'messenger',
    kind: 'message',
    pageId: '111',
    customerId: customer,
    timestamp: 1000 + n,
    dedupeKey: `messenger:mid:m_${n}`,
    standby: false,
    userOriginated: true,
    mid: `m_${n}`,
    text: `hello ${n}`,
    raw: {},
  } as InboundEvent;
}

describe.each(TEST_DIALECTS)('InboundIntakeService (group commit) on %s', (dialect) => {
  let persistence: PersistenceService;
  let cleanup: () => Promise<void>;
  let intake: InboundIntakeService;
  let kicks: number;
  let offered: string[];

  beforeEach(async () => {
    const test = testDatabase(dialect);
    cleanup = test.cleanup;
    const open = await openDatabase(test.config);
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
    kicks = 0;
    offered = [];
    intake = new InboundIntakeService(persistence, {
      kick: () => kicks++,
      offer: (offers: Iterable<InboundOffer>) => offered.push(...[...offers].map((o) => `${o.pageId}/${o.conversationId}`)),
    } as unknown as InboundProcessor);
  });

  afterEach(async () => {
    await persistence.close();
    await cleanup();
  });

  it('should write concurrent webhooks in one transaction and settle each once its events are stored', async () => {
    const transaction = jest.spyOn(persistence, 'transaction');
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => intake.accept([message(i)])));
    expect(results.every((r) => r.recorded === 1 && r.duplicates === 0)).toBe(true);
    expect(transaction).toHaveBeenCalledTimes(1);
    const rows = await persistence.db.selectFrom('inbound_events').selectAll().orderBy('id').execute();
    expect(rows.map((r) => r.dedupe_key)).toEqual(Array.from({ length: 40 }, (_, i) => `messenger:mid:m_${i}`));
    // One conversation per customer, and every event points at its customer's conversation.
    const conversations = await persistence.db.selectFrom('conversations').select(['id', 'customer_id']).execute();
    expect(conversations).toHaveLength(7);
    const byCustomer = new Map(conversations.map((c) => [c.customer_id, c.id]));
    for (const row of rows) expect(row.conversation_id).toBe(byCustomer.get(row.customer_id!));
    // The processor is handed the conversations with new events (no claim pass needed for them).
    expect(offered.sort()).toEqual(conversations.map((c) => `111/${c.id}`).sort());
    expect(kicks).toBe(0);
  });

  it('should count a redelivered event once, within a group and across groups', async () => {
    const [a, b] = await Promise.all([intake.accept([message(1), message(2)]), intake.accept([message(2), message(3)])]);
    expect(a).toEqual({ recorded: 2, duplicates: 0 });
    expect(b).toEqual({ recorded: 1, duplicates: 1 });
    expect(await intake.accept([message(3)])).toEqual({ recorded: 0, duplicates: 1 });
    expect(await persistence.db.selectFrom('inbound_events').select('id').execute()).toHaveLength(3);
  });

  it("should record the channel's id of our own send as soon as its echo is stored, before the echo is processed", async () => {
    // A reply whose sender died mid-send: the next holder waits for its echo before sending it again.
    const conversation = await persistence.repos.conversations.ensure(
      { channel: 'messenger', pageId: '111', customerId: 'psid-echo' },
      1000,
    );
    const messageId = await persistence.repos.messages.enqueue({
      conversation_id: conversation.id,
      author: 'bot',
      text: 'hi',
      content: JSON.stringify({ kind: 'text', text: 'hi' }),
      mid: null,
      attempts: 0,
      next_attempt_at: 1000,
      lease_until: null,
      error: null,
      event_ts: null,
      created_at: 1000,
      sent_at: null,
    });
    const echo = {
      channel: 'messenger',
      kind: 'echo',
      pageId: '111',
      customerId: 'psid-echo',
      timestamp: 2000,
      dedupeKey: 'messenger:mid:m_echoed',
      standby: false,
      userOriginated: false,
      mid: 'm_echoed',
      ownMessageId: messageId,
      raw: {},
    } as InboundEvent;
    await intake.accept([message(1, 'psid-echo'), echo]);
    const row = await persistence.db.selectFrom('messages').select(['mid', 'status']).where('id', '=', messageId).executeTakeFirstOrThrow();
    expect(row).toEqual({ mid: 'm_echoed', status: 'queued' }); // known sent; the outbox completes it without a resend
    expect(await persistence.repos.journal.countByStatus()).toEqual({ pending: 2 });
  });

  it("should write known customers' events with one statement and no transaction; new customers and echoes of our sends in one", async () => {
    await intake.accept([message(1, 'psid-a')]); // a new customer: its conversation and the row commit together
    const transaction = jest.spyOn(persistence, 'transaction');
    const results = await Promise.all([intake.accept([message(2, 'psid-a')]), intake.accept([message(3, 'psid-a'), message(2, 'psid-a')])]);
    expect(results).toEqual([
      { recorded: 1, duplicates: 0 },
      { recorded: 1, duplicates: 1 },
    ]);
    expect(await intake.accept([message(3, 'psid-a')])).toEqual({ recorded: 0, duplicates: 1 }); // a redelivery
    expect(transaction).not.toHaveBeenCalled();
    const rows = await persistence.db
      .selectFrom('inbound_events')
      .select(['dedupe_key', 'conversation_id', 'status'])
      .orderBy('id')
      .execute();
    const conversation = await persistence.db
      .selectFrom('conversations')
      .select('id')
      .where('customer_id', '=', 'psid-a')
      .executeTakeFirstOrThrow();
    expect(rows).toEqual(
      [1, 2, 3].map((n) => ({ dedupe_key: `messenger:mid:m_${n}`, conversation_id: conversation.id, status: 'pending' })),
    );
    expect(offered).toEqual([`111/${conversation.id}`, `111/${conversation.id}`]); // the first commit's offer, then the one-statement group's

    // The echo of our own send records its mid on the sent message in the same commit: a transaction.
    const messageId = await persistence.repos.messages.enqueue({
      conversation_id: conversation.id,
      author: 'bot',
      text: 'hi',
      content: JSON.stringify({ kind: 'text', text: 'hi' }),
      mid: null,
      attempts: 0,
      next_attempt_at: 1000,
      lease_until: null,
      error: null,
      event_ts: null,
      created_at: 1000,
      sent_at: null,
    });
    const echo = { ...message(9, 'psid-a'), kind: 'echo', userOriginated: false, mid: 'm_echo_a', ownMessageId: messageId } as InboundEvent;
    await intake.accept([echo]);
    expect(transaction).toHaveBeenCalledTimes(1);
    expect(await persistence.db.selectFrom('messages').select('mid').where('id', '=', messageId).executeTakeFirstOrThrow()).toEqual({
      mid: 'm_echo_a',
    });
    await intake.accept([message(10, 'psid-b')]); // a new customer
    expect(transaction).toHaveBeenCalledTimes(2);
  });

  it("should read a customer's conversation once, then know its id (no read of conversations for its next webhooks)", async () => {
    await intake.accept([message(1, 'psid-known')]);
    const ensureMany = jest.spyOn(persistence.repos.conversations.constructor.prototype, 'ensureMany');
    await intake.accept([message(2, 'psid-known')]);
    await Promise.all([intake.accept([message(3, 'psid-known')]), intake.accept([message(4, 'psid-other')])]);
    // Only the new customer was looked up.
    expect(ensureMany.mock.calls.map(([keys]) => (keys as { customerId: string }[]).map((k) => k.customerId))).toEqual([['psid-other']]);
    ensureMany.mockRestore();
    const rows = await persistence.db.selectFrom('inbound_events').select(['customer_id', 'conversation_id']).execute();
    const conversations = await persistence.db.selectFrom('conversations').select(['id', 'customer_id']).execute();
    const byCustomer = new Map(conversations.map((c) => [c.customer_id, c.id]));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.conversation_id).toBe(byCustomer.get(row.customer_id!));
  });

  it('should never remember the id of a conversation whose transaction rolled back', async () => {
    const bad = { ...message(99, 'psid-rolled-back'), kind: null } as unknown as InboundEvent; // the journal's NOT NULL
    // One webhook: its new customer's conversation is created, then the journal insert fails and all is rolled back.
    await expect(intake.accept([message(1, 'psid-rolled-back'), bad])).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(await persistence.db.selectFrom('conversations').select('id').execute()).toEqual([]);
    await intake.accept([message(2, 'psid-rolled-back')]);
    const row = await persistence.db.selectFrom('inbound_events').select('conversation_id').executeTakeFirstOrThrow();
    const conversation = await persistence.db.selectFrom('conversations').select(['id', 'customer_id']).executeTakeFirstOrThrow();
    expect(row.conversation_id).toBe(conversation.id);
  });

  it('should refuse only the webhook that cannot be stored (503), keeping its neighbours', async () => {
    const bad = { ...message(99), channel: null } as unknown as InboundEvent; // violates NOT NULL
    const outcomes = await Promise.allSettled([intake.accept([message(1)]), intake.accept([bad]), intake.accept([message(2)])]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ServiceUnavailableException);
    const keys = (await persistence.db.selectFrom('inbound_events').select('dedupe_key').execute()).map((r) => r.dedupe_key).sort();
    expect(keys).toEqual(['messenger:mid:m_1', 'messenger:mid:m_2']);
  });
});
