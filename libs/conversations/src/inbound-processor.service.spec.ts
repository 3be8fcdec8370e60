import { sql } from 'kysely';
import { confident, ScriptedBot } from '@app/testing';
import { journalRow } from './inbound-intake.service';
import { InboundProcessor, MAX_EVENT_ATTEMPTS } from './inbound-processor.service';
import { conversationTestBed, ConversationTestBed } from './testing/conversation-test-bed';

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
  it('should apply the events offered by the intake, and one arriving while they are applied, without a scan of the journal', async () => {
    processor.onApplicationBootstrap();
    try {
      const claim = jest.spyOn(bed.persistence.queues.journal, 'claim');
      const id = await journal('hours');
      processor.offer([id]);
      processor.offer([id]); // offered again while it is being drained: taken once that drain ends
      await journal('hello', bed.clock.now() + 1);
      processor.offer([id]);
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
