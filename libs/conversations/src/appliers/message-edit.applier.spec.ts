import { conversationTestBed, ConversationTestBed } from '../testing/conversation-test-bed';

describe('MessageEditApplier', () => {
  let bed: ConversationTestBed;
  beforeEach(async () => (bed = await conversationTestBed()));
  afterEach(() => bed.close());

  it('should replace the text of the edited message and record the edit', async () => {
    const conversation = await bed.conversation();
    await bed.repos.conversations.update(conversation.id, { state: 'AGENT' }); // no bot turn: only the edit matters here
    await bed.deliver(bed.message('helo', { mid: 'm_1' }));
    await bed.deliver(bed.event({ kind: 'message_edit', mid: 'm_1', text: 'hello' }));
    expect((await bed.messages(conversation.id)).map((m) => m.text)).toEqual(['hello']);
    expect(await bed.auditTypes(conversation.id)).toEqual(['message_edited']);
  });

  it('should ignore an edit of a message it does not know', async () => {
    const conversation = await bed.conversation();
    expect(await bed.deliver(bed.event({ kind: 'message_edit', mid: 'm_unknown', text: 'x' }))).toBe('done');
    expect(await bed.auditTypes(conversation.id)).toEqual([]);
  });
});
