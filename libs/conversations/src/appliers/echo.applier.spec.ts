import { enqueueOutbound } from '../outbox-writer';
import { conversationTestBed, ConversationTestBed } from '../testing/conversation-test-bed';

describe('EchoApplier', () => {
  let bed: ConversationTestBed;
  beforeEach(async () => (bed = await conversationTestBed()));
  afterEach(() => bed.close());

  it('should attach the channel message id to our own message instead of storing it again', async () => {
    const conversation = await bed.conversation();
    const [id] = await enqueueOutbound(bed.repos, conversation.id, 'bot', { kind: 'text', text: 'Hi' }, bed.clock.now());
    expect(await bed.deliver(bed.event({ kind: 'echo', mid: 'm_echo_1', text: 'Hi', ownMessageId: id }))).toBe('done');
    const messages = await bed.messages(conversation.id);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ id, mid: 'm_echo_1' });
  });

  it('should keep a message sent from the Page inbox as an agent message, once', async () => {
    const conversation = await bed.conversation();
    const echo = bed.event({ kind: 'echo', mid: 'm_inbox_1', text: 'Hello from the inbox' });
    await bed.deliver(echo);
    await bed.deliver({ ...echo, dedupeKey: 'another-key' });
    expect(await bed.messages(conversation.id)).toEqual([
      expect.objectContaining({ direction: 'out', author: 'agent', text: 'Hello from the inbox', status: 'sent', mid: 'm_inbox_1' }),
    ]);
    expect(bed.published).toEqual([expect.objectContaining({ type: 'message.created', author: 'agent' })]);
  });
});
