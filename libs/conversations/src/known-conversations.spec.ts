import { InboundEvent } from '@app/core';
import { conversationKeyString } from '@app/persistence';
import { InboundIntakeService } from './inbound-intake.service';
import { InboundProcessor } from './inbound-processor.service';
import { conversationTestBed, ConversationTestBed } from './testing/conversation-test-bed';

/**
 * The intake remembers conversation ids (no read per webhook of a known customer). A database that
 * loses a conversation row under a running instance (a restore from a backup, a failover to a replica
 * that missed the last commits) must not leave that customer's messages parked as dead.
 */
describe('remembered conversation ids when the database lost the conversation', () => {
  let bed: ConversationTestBed;
  let intake: InboundIntakeService;

  beforeEach(async () => {
    bed = await conversationTestBed();
    const processor = { offer: () => undefined, kick: () => undefined } as unknown as InboundProcessor;
    intake = new InboundIntakeService(bed.persistence, processor, bed.known);
  });

  afterEach(() => bed.persistence.close());

  async function journaled(event: InboundEvent) {
    await intake.accept([event]);
    return bed.persistence.db.selectFrom('inbound_events').selectAll().where('dedupe_key', '=', event.dedupeKey).executeTakeFirstOrThrow();
  }

  it('should answer the customer in a conversation that exists, and journal their next webhook under it', async () => {
    const first = await journaled(bed.message('hello'));
    const lost = first.conversation_id!;
    expect(bed.known.get(conversationKeyString({ channel: 'messenger', pageId: first.page_id, customerId: first.customer_id! }))).toBe(
      lost,
    );

    // The database goes back to a time before this customer wrote (the instance keeps running).
    await bed.persistence.db.deleteFrom('inbound_events').execute();
    await bed.persistence.db.deleteFrom('conversations').execute();

    const second = bed.message('where is my order');
    const row = await journaled(second);
    expect(row.conversation_id).toBe(lost); // still the remembered id: the intake reads nothing for a known customer
    await bed.handler.handle(row.id, second, lost);

    const conversations = await bed.persistence.db.selectFrom('conversations').select(['id', 'customer_id']).execute();
    expect(conversations).toHaveLength(1);
    const [current] = conversations;
    expect(current.id).not.toBe(lost);
    const stored = await bed.persistence.db.selectFrom('messages').select(['conversation_id', 'direction', 'text']).execute();
    expect(stored).toContainEqual({ conversation_id: current.id, direction: 'in', text: 'where is my order' });
    expect(
      (await bed.persistence.db.selectFrom('inbound_events').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status,
    ).toBe('done');

    // The lost id is forgotten: the customer's next webhook is journaled under the conversation that exists.
    expect((await journaled(bed.message('hello again'))).conversation_id).toBe(current.id);
  });

  it('should forget every remembered id when a group commit fails', async () => {
    await journaled(bed.message('hello'));
    expect(bed.known.size).toBe(1);
    // A known customer's group is one INSERT outside a transaction (see InboundIntakeService.write).
    const failing = jest.spyOn(bed.persistence.intakeJournal, 'recordNew').mockRejectedValueOnce(new Error('database went away'));
    await expect(intake.accept([bed.message('one')])).rejects.toThrow('could not be stored');
    failing.mockRestore();
    expect(bed.known.size).toBe(0);
  });
});
