import { sql } from 'kysely';
import { BotInput } from '@app/bot';
import { confident, ScriptedBot } from '@app/testing';
import { journalRow } from './inbound-intake.service';
import { InboundProcessor } from './inbound-processor.service';
import { conversationTestBed, ConversationTestBed } from './testing/conversation-test-bed';

/**
 * Under the processor's lease only the unit that applies the event marks it done: a transaction the
 * handler opens before it (a pause write, a connector saving state) commits under the plain lease check.
 */
describe('InboundProcessor: the event is finished by the transaction that carries its effects', () => {
  let bed: ConversationTestBed;
  let processor: InboundProcessor;
  let sideWrites = 0;

  beforeEach(async () => {
    sideWrites = 0;
    // Before answering, the bot's connector saves state of its own: a transaction of its own, under the fence.
    const savesStateFirst = async (input: BotInput) => {
      await bed.persistence.transaction(async (repos) => {
        await repos.conversations.update(input.conversationId, { handover_reason: `side write ${++sideWrites}` });
      });
      return confident('hours', 'We open at 9.');
    };
    bed = await conversationTestBed({ bot: new ScriptedBot({ hours: savesStateFirst }), env: { INBOUND_RETRY_BASE_MS: '1000' } });
    processor = new InboundProcessor(bed.persistence, bed.handler, bed.config, bed.clock);
  });
  afterEach(() => bed.close());

  async function journal(text: string): Promise<string> {
    const conversation = await bed.conversation();
    await bed.repos.journal.record([journalRow(bed.message(text), conversation.id, bed.clock.now())]);
    return conversation.id;
  }

  const journalStates = async () =>
    (await bed.persistence.db.selectFrom('inbound_events').select(['status', 'attempts']).orderBy('id').execute()).map(
      (r) => `${r.status}/${r.attempts}`,
    );

  it('should leave the event to be retried when its effects fail after an earlier transaction committed', async () => {
    const id = await journal('hours');
    await sql`create trigger inbound_down before insert on messages when new.direction = 'in'
      begin select raise(abort, 'disk I/O error'); end`.execute(bed.persistence.db);
    await processor.runOnce();
    expect(sideWrites).toBe(1);
    // Before: the side write's transaction marked the event done, and the failed effects were lost.
    expect(await journalStates()).toEqual(['pending/1']);
    expect(await bed.messages(id)).toEqual([]);

    await sql`drop trigger inbound_down`.execute(bed.persistence.db);
    bed.clock.advance(5 * 60_000);
    await processor.runOnce();
    expect(sideWrites).toBe(2);
    expect(await journalStates()).toEqual(['done/1']);
    expect((await bed.messages(id)).map((m) => `${m.author}: ${m.text}`)).toEqual(['customer: hours', 'bot: We open at 9.']);
  });

  it('should mark a normally handled event done once, in the transaction with its effects', async () => {
    const id = await journal('hours');
    await processor.runOnce();
    expect(sideWrites).toBe(1);
    expect(await journalStates()).toEqual(['done/0']);
    expect((await bed.messages(id)).map((m) => `${m.author}: ${m.text}`)).toEqual(['customer: hours', 'bot: We open at 9.']);
    await processor.runOnce(); // nothing left: not applied twice
    expect(sideWrites).toBe(1);
    expect(await bed.messages(id)).toHaveLength(2);
  });
});
