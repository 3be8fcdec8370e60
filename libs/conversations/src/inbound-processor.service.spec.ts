import { sql } from 'kysely';
import { confident, ScriptedBot } from '@app/testing';
import { journalRow } from './inbound-intake.service';
import { InboundProcessor, MAX_EVENT_ATTEMPTS } from './inbound-processor.service';
import { conversationTestBed, ConversationTestBed, TEST_PAGE_ID } from './testing/conversation-test-bed';

describe('InboundProcessor', () => {
  let bed: ConversationTestBed;
  let processor: InboundProcessor;

  beforeEach(async () => {
    bed = await conversationTestBed({
      bot: new ScriptedBot({ hours: confident('hours', 'We open at 9.'), hello: confident('greeting', 'Hi!') }),
      env: { INBOUND_RETRY_BASE_MS: '1000' },
    });
    // The loops are never started: each pass is run by the spec, on the fake clock.
    processor = new InboundProcessor(bed.persistence, bed.handler, bed.config, bed.clock);
  });
  afterEach(() => bed.close());

  async function journal(text: string, timestamp = bed.clock.now()): Promise<string> {
    const conversation = await bed.conversation();
    const event = bed.message(text, { timestamp });
    await bed.repos.journal.record([journalRow(event, conversation.id, bed.clock.now())]);
    return conversation.id;
  }

  const journalStates = async () =>
    (await bed.persistence.db.selectFrom('inbound_events').select(['status', 'attempts']).orderBy('id').execute()).map(
      (r) => `${r.status}/${r.attempts}`,
    );

  it("should apply a conversation's events in order in one pass and leave no lease held", async () => {
    const id = await journal('hours', bed.clock.now());
    await journal('hello', bed.clock.now() + 1);
    await processor.runOnce();
    expect((await bed.messages(id)).map((m) => `${m.author}: ${m.text}`)).toEqual([
      'customer: hours',
      'bot: We open at 9.',
      'customer: hello',
      'bot: Hi!',
    ]);
    expect(await journalStates()).toEqual(['done/0', 'done/0']);
    expect(await processor.inFlight()).toBe(0);
  });

  it('should take the next event of a drain as its done-mark tells, with no look at the journal or read of the conversation of its own', async () => {
    const hasPending = jest.spyOn(bed.persistence.repos.journal, 'hasPending');
    const conversationRead = jest.spyOn(bed.persistence.repos.conversations.constructor.prototype, 'findById');
    const claimHead = jest.spyOn(bed.persistence.queues.journal, 'claimHead');
    const id = await journal('hours', bed.clock.now());
    await journal('hello', bed.clock.now() + 1);
    await processor.runOnce();
    expect((await bed.messages(id)).map((m) => m.text)).toEqual(['hours', 'We open at 9.', 'hello', 'Hi!']);
    // The pass claimed the first; the first's done-mark said one more waits (one claim), the second's said none.
    expect(claimHead).toHaveBeenCalledTimes(1);
    expect(hasPending).not.toHaveBeenCalled(); // before: a look after every event
    // The claims returned the conversation (before: the handler read it, then the turn read it again).
    expect(conversationRead).not.toHaveBeenCalled();
    conversationRead.mockRestore();
    expect(await journalStates()).toEqual(['done/0', 'done/0']);
  });

  it('should apply in the same drain an event that arrived while the previous one was being answered', async () => {
    const arriving = await conversationTestBed({
      bot: new ScriptedBot({
        hours: async (input) => {
          // The customer writes again while the bot answers: journaled before the answer's unit commits.
          await arriving.repos.journal.record([
            journalRow(arriving.message('hello', { timestamp: arriving.clock.now() + 1 }), input.conversationId, arriving.clock.now()),
          ]);
          return confident('hours', 'We open at 9.');
        },
        hello: confident('greeting', 'Hi!'),
      }),
    });
    try {
      const one = new InboundProcessor(arriving.persistence, arriving.handler, arriving.config, arriving.clock);
      const claim = jest.spyOn(arriving.persistence.queues.journal, 'claim');
      const conversation = await arriving.conversation();
      await arriving.repos.journal.record([journalRow(arriving.message('hours'), conversation.id, arriving.clock.now())]);
      await one.runOnce();
      expect((await arriving.messages(conversation.id)).map((m) => m.text)).toEqual(['hours', 'We open at 9.', 'hello', 'Hi!']);
      expect(claim).toHaveBeenCalledTimes(1); // one pass: the second event was not left to another
    } finally {
      await arriving.close();
    }
  });

  it('should retry a failing event only once its backoff has passed on the clock, then park it as dead and apologise', async () => {
    const id = await journal('hours');
    await sql`create trigger inbound_down before insert on messages when new.direction = 'in'
      begin select raise(abort, 'disk I/O error'); end`.execute(bed.persistence.db);
    await processor.runOnce();
    expect(await journalStates()).toEqual(['pending/1']);
    await processor.runOnce(); // not due yet
    expect(await journalStates()).toEqual(['pending/1']);
    for (let attempt = 2; attempt <= MAX_EVENT_ATTEMPTS; attempt++) {
      bed.clock.advance(5 * 60_000);
      await processor.runOnce();
    }
    expect(await journalStates()).toEqual([`dead/${MAX_EVENT_ATTEMPTS}`]);
    expect((await bed.messages(id)).map((m) => `${m.author}: ${m.text}`)).toEqual([`system: ${bed.config.messages.error}`]);
  });
  it('should hand off conversations offered while every slot is busy as slots free up, without a scan of the journal', async () => {
    const narrow = await conversationTestBed({
      bot: new ScriptedBot({ hours: confident('hours', 'We open at 9.') }),
      env: { INBOUND_CONCURRENCY: '1' },
    });
    const one = new InboundProcessor(narrow.persistence, narrow.handler, narrow.config, narrow.clock);
    const claim = jest.spyOn(narrow.persistence.queues.journal, 'claim');
    one.onApplicationBootstrap();
    try {
      // The start-up pass (it waits for its turn in the event loop) has looked at the empty journal.
      for (let i = 0; i < 500 && claim.mock.calls.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      await claim.mock.results[0].value;
      const ids: string[] = [];
      for (const customer of ['5000000011', '5000000012', '5000000013', '5000000014']) {
        const conversation = await narrow.conversation(customer);
        await narrow.repos.journal.record([
          journalRow(narrow.message('hours', { customerId: customer }), conversation.id, narrow.clock.now()),
        ]);
        ids.push(conversation.id);
      }
      one.offer(ids.map((conversationId) => ({ conversationId, pageId: TEST_PAGE_ID }))); // one slot: the first is handed off, three wait for it
      const done = async () =>
        (await narrow.persistence.db.selectFrom('inbound_events').select('status').execute()).every((r) => r.status === 'done');
      for (let i = 0; i < 500 && !(await done()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      for (const id of ids) expect((await narrow.messages(id)).map((m) => m.text)).toEqual(['hours', 'We open at 9.']);
      for (const result of claim.mock.results) expect(await result.value).toEqual([]);
    } finally {
      await one.onApplicationShutdown();
      await narrow.close();
    }
  });

  describe('with one slot and offers waiting for it', () => {
    let narrow: ConversationTestBed;
    let one: InboundProcessor;
    let claim: jest.SpyInstance;

    beforeEach(async () => {
      narrow = await conversationTestBed({
        bot: new ScriptedBot({ hours: confident('hours', 'We open at 9.') }),
        env: { INBOUND_CONCURRENCY: '1' },
      });
      one = new InboundProcessor(narrow.persistence, narrow.handler, narrow.config, narrow.clock);
      claim = jest.spyOn(narrow.persistence.queues.journal, 'claim');
      one.onApplicationBootstrap();
      // The start-up pass (it waits for its turn in the event loop) has looked at the empty journal.
      for (let i = 0; i < 500 && claim.mock.calls.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      await claim.mock.results[0].value;
    });

    afterEach(async () => {
      await one.onApplicationShutdown();
      await narrow.close();
    });

    const queued = async (customer: string) => {
      const conversation = await narrow.conversation(customer);
      await narrow.repos.journal.record([
        journalRow(narrow.message('hours', { customerId: customer }), conversation.id, narrow.clock.now()),
      ]);
      return conversation.id;
    };
    /** Conversations in the order their bot replies were stored, once every event is done. */
    const answeredOrder = async () => {
      const done = async () =>
        (await narrow.persistence.db.selectFrom('inbound_events').select('status').execute()).every((r) => r.status === 'done');
      for (let i = 0; i < 500 && !(await done()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const replies = await narrow.persistence.db
        .selectFrom('messages')
        .select('conversation_id')
        .where('author', '=', 'bot')
        .orderBy('id')
        .execute();
      return replies.map((r) => r.conversation_id);
    };

    it("should let the Pages take turns: a flood on one Page does not keep another Page's customer behind all of it", async () => {
      const a = [await queued('5000000021'), await queued('5000000022'), await queued('5000000023')];
      const b = await queued('5000000024');
      // The first is handed off at once; the rest wait, Page A's two before Page B's one.
      one.offer([...a.map((conversationId) => ({ conversationId, pageId: 'A' })), { conversationId: b, pageId: 'B' }]);
      expect(await answeredOrder()).toEqual([a[0], a[1], b, a[2]]);
    });

    it('should still give a claim pass a slot while offers keep waiting, so work no offer names is not starved', async () => {
      // Work only a scan finds (another instance's intake, a retry come due): in the journal, never offered.
      const unoffered = await queued('5000000031');
      const offered = [await queued('5000000032'), await queued('5000000033'), await queued('5000000034')];
      narrow.clock.advance(1_000); // a pass is owed its share once the start-up pass is that old
      one.offer(offered.map((conversationId) => ({ conversationId, pageId: TEST_PAGE_ID })));
      expect(await answeredOrder()).toEqual([offered[0], unoffered, offered[1], offered[2]]);
    });
  });

  it('should apply the events offered by the intake, and one arriving while they are applied, without a scan of the journal', async () => {
    const claim = jest.spyOn(bed.persistence.queues.journal, 'claim');
    processor.onApplicationBootstrap();
    try {
      // The start-up pass (it waits for its turn in the event loop) has looked at the empty journal.
      for (let i = 0; i < 500 && claim.mock.calls.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      await claim.mock.results[0].value;
      const id = await journal('hours');
      const offer = { conversationId: id, pageId: TEST_PAGE_ID };
      processor.offer([offer]);
      processor.offer([offer]); // offered again while it is being drained: taken once that drain ends
      await journal('hello', bed.clock.now() + 1);
      processor.offer([offer]);
      const done = async () => (await journalStates()).every((state) => state === 'done/0');
      for (let i = 0; i < 500 && !(await done()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await journalStates()).toEqual(['done/0', 'done/0']);
      expect((await bed.messages(id)).map((m) => m.text)).toEqual(['hours', 'We open at 9.', 'hello', 'Hi!']);
      // Whatever the poll found meanwhile, no scan claimed these events: they were handed over.
      for (const result of claim.mock.results) expect(await result.value).toEqual([]);
    } finally {
      await processor.onApplicationShutdown();
    }
  });
});
