import { conversationTestBed, ConversationTestBed } from '../testing/conversation-test-bed';

describe('ReactionApplier', () => {
  let bed: ConversationTestBed;
  beforeEach(async () => (bed = await conversationTestBed()));
  afterEach(() => bed.close());

  it('should put the reaction on the message, count it as the customer acting, and tell live views', async () => {
    const conversation = await bed.conversation();
    await bed.repos.conversations.update(conversation.id, { state: 'AGENT' }); // no bot turn
    await bed.deliver(bed.message('hi', { mid: 'm_1' }));
    const [message] = await bed.messages(conversation.id);
    bed.published.length = 0;
    await bed.deliver(bed.event({ kind: 'reaction', payload: 'react', reaction: '❤️', mid: 'm_1', userOriginated: true }));
    expect((await bed.repos.messages.findById(message.id))?.customer_reaction).toBe('❤️');
    expect(await bed.auditTypes(conversation.id)).toContain('reaction');
    expect((await bed.repos.conversations.findById(conversation.id))?.last_user_event_at).toBe(bed.clock.now());
    expect(bed.published).toEqual([
      { type: 'customer.activity', conversationId: conversation.id, kind: 'reaction' },
      { type: 'message.updated', conversationId: conversation.id, messageId: message.id, change: 'reaction' },
    ]);
  });

  it('should remove the reaction on unreact, and ignore an older reaction arriving late', async () => {
    const conversation = await bed.conversation();
    await bed.repos.conversations.update(conversation.id, { state: 'AGENT' });
    await bed.deliver(bed.message('hi', { mid: 'm_1' }));
    const [message] = await bed.messages(conversation.id);
    const t = bed.clock.now();
    await bed.deliver(bed.event({ kind: 'reaction', payload: 'react', reaction: '😮', mid: 'm_1', timestamp: t + 1000 }));
    await bed.deliver(bed.event({ kind: 'reaction', payload: 'unreact', mid: 'm_1', timestamp: t + 2000 }));
    expect((await bed.repos.messages.findById(message.id))?.customer_reaction).toBeNull();
    await bed.deliver(bed.event({ kind: 'reaction', payload: 'react', reaction: '😢', mid: 'm_1', timestamp: t + 1500 }));
    expect((await bed.repos.messages.findById(message.id))?.customer_reaction).toBeNull();
  });

  it('should only record a reaction to a message it does not know', async () => {
    const conversation = await bed.conversation();
    bed.published.length = 0;
    await bed.deliver(bed.event({ kind: 'reaction', payload: 'react', reaction: '👍', mid: 'm_unknown', userOriginated: true }));
    expect(await bed.auditTypes(conversation.id)).toEqual(['reaction']);
    expect(bed.published.map((e) => e.type)).toEqual(['customer.activity']);
  });
});
