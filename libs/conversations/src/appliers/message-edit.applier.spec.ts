import { conversationTestBed, ConversationTestBed } from '../testing/conversation-test-bed';

describe('MessageEditApplier', () => {
  let bed: ConversationTestBed;
  beforeEach(async () => (bed = await conversationTestBed()));
  afterEach(() => bed.close());

  it('should replace the text of the edited message, mark it edited, record the edit and tell live views', async () => {
    const conversation = await bed.conversation();
    await bed.repos.conversations.update(conversation.id, { state: 'AGENT' }); // no bot turn: only the edit matters here
    await bed.deliver(bed.message('helo', { mid: 'm_1' }));
    bed.published.length = 0;
    await bed.deliver(bed.event({ kind: 'message_edit', mid: 'm_1', text: 'hello', timestamp: bed.clock.now() + 5000 }));
    const [message] = await bed.messages(conversation.id);
    expect(message).toEqual(expect.objectContaining({ text: 'hello', edited_at: bed.clock.now() + 5000 }));
    expect(await bed.auditTypes(conversation.id)).toEqual(['message_edited']);
    expect(bed.published).toEqual([{ type: 'message.updated', conversationId: conversation.id, messageId: message.id, change: 'edit' }]);
  });

  it('should ignore an edit of a message it does not know', async () => {
    const conversation = await bed.conversation();
    expect(await bed.deliver(bed.event({ kind: 'message_edit', mid: 'm_unknown', text: 'x' }))).toBe('done');
    expect(await bed.auditTypes(conversation.id)).toEqual([]);
  });
});
