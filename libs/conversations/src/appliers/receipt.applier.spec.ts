import { enqueueOutbound } from '../outbox-writer';
import { conversationTestBed, ConversationTestBed } from '../testing/conversation-test-bed';

describe('ReceiptApplier', () => {
  let bed: ConversationTestBed;
  beforeEach(async () => (bed = await conversationTestBed()));
  afterEach(() => bed.close());

  async function sentMessages(conversationId: string, count: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const [id] = await enqueueOutbound(bed.repos, conversationId, 'bot', { kind: 'text', text: `m${i}` }, bed.clock.now());
      await bed.repos.messages.markSent(id, `m_out_${i}`, bed.clock.advance(1000));
      ids.push(id);
    }
    return ids;
  }

  it('should mark the messages a delivery receipt names as delivered, and announce each once', async () => {
    const conversation = await bed.conversation();
    const [first, second] = await sentMessages(conversation.id, 2);
    await bed.deliver(bed.event({ kind: 'delivery', receiptMids: ['m_out_0'] }));
    const statuses = async () => (await bed.messages(conversation.id)).map((m) => m.status);
    expect(await statuses()).toEqual(['delivered', 'sent']);
    expect(bed.published).toEqual([{ type: 'message.status', conversationId: conversation.id, messageId: first, status: 'delivered' }]);
    await bed.deliver(bed.event({ kind: 'read', watermark: bed.clock.now() }));
    expect(await statuses()).toEqual(['read', 'read']);
    expect(bed.published.slice(1).map((e) => e.type === 'message.status' && e.messageId)).toEqual([first, second]);
  });

  it('should never move a read message back to delivered', async () => {
    const conversation = await bed.conversation();
    await sentMessages(conversation.id, 1);
    await bed.deliver(bed.event({ kind: 'read', watermark: bed.clock.now() }));
    await bed.deliver(bed.event({ kind: 'delivery', receiptMids: ['m_out_0'] }));
    expect((await bed.messages(conversation.id))[0].status).toBe('read');
  });
});
