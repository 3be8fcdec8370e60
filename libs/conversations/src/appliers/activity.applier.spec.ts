import { conversationTestBed, ConversationTestBed } from '../testing/conversation-test-bed';

describe('ActivityApplier (every other event kind)', () => {
  let bed: ConversationTestBed;
  beforeEach(async () => (bed = await conversationTestBed()));
  afterEach(() => bed.close());

  it('should record a referral, count it as the customer acting, and tell live views', async () => {
    const conversation = await bed.conversation();
    await bed.deliver(bed.event({ kind: 'referral', payload: 'summer-ad', userOriginated: true }));
    expect(await bed.repos.conversationEvents.listForConversation(conversation.id)).toEqual([
      expect.objectContaining({ type: 'referral', reason: 'referral: summer-ad', actor: 'customer' }),
    ]);
    expect((await bed.repos.conversations.findById(conversation.id))?.last_user_event_at).toBe(bed.clock.now());
    expect(bed.published).toEqual([{ type: 'customer.activity', conversationId: conversation.id, kind: 'referral' }]);
    expect(await bed.messages(conversation.id)).toEqual([]);
  });

  it('should record a standby or app event without touching the messaging window', async () => {
    const conversation = await bed.conversation();
    await bed.deliver(bed.event({ kind: 'handover', payload: 'pass_thread_control', standby: true }));
    expect(await bed.repos.conversationEvents.listForConversation(conversation.id)).toEqual([
      expect.objectContaining({ type: 'handover', actor: 'standby' }),
    ]);
    expect((await bed.repos.conversations.findById(conversation.id))?.last_user_event_at).toBeNull();
    expect(bed.published).toEqual([]);
  });

  it('should record a channel event no channel applies itself', async () => {
    const conversation = await bed.conversation();
    await bed.deliver(bed.event({ kind: 'channel_event', payload: 'hide', mid: 'c_1' }));
    expect(await bed.auditTypes(conversation.id)).toEqual(['channel_event']);
  });
});
