import { ConversationUnit } from '@app/conversations';
import { InboundEvent } from '@app/core';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock } from '@app/testing';
import { CommentEventApplier } from './comment-event.applier';
import { PageCommentRepository } from './page-comment.repository';
import { COMMENTS_CHANNEL } from './page-comments.types';
import { commentsMigrations } from './migrations';

describe('CommentEventApplier', () => {
  let persistence: PersistenceService;
  const clock = new FakeClock();
  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open, [commentsMigrations]);
    persistence = new PersistenceService(open);
  });
  afterEach(() => persistence.close());

  const event = (payload: string, mid: string): InboundEvent => ({
    channel: COMMENTS_CHANNEL,
    kind: 'channel_event',
    pageId: '111',
    customerId: 'post_1:u1',
    timestamp: clock.now(),
    dedupeKey: `${payload}:${mid}`,
    standby: false,
    userOriginated: false,
    payload,
    mid,
    raw: {},
  });

  it('should hide the stored comment and its message, and record it, in the unit', async () => {
    const conversation = await persistence.repos.conversations.ensure(
      { channel: COMMENTS_CHANNEL, pageId: '111', customerId: 'post_1:u1' },
      1,
    );
    const repo = new PageCommentRepository(persistence.repos);
    await repo.recordFacts(
      [{ commentId: 'c_1', pageId: '111', postId: 'post_1', authorId: 'u1', customerId: 'post_1:u1', fromPage: false, createdTime: 1 }],
      1,
    );
    await persistence.repos.messages.insertOnce({
      conversation_id: conversation.id,
      direction: 'in',
      author: 'customer',
      text: 'nice',
      content: JSON.stringify({ comment: { id: 'c_1' } }),
      mid: 'c_1',
      status: 'received',
      attempts: 0,
      next_attempt_at: null,
      lease_until: null,
      error: null,
      event_ts: 1,
      created_at: 1,
      sent_at: null,
    });
    await persistence.transaction((repos) =>
      new CommentEventApplier().apply(new ConversationUnit(repos, clock.now()), event('hide', 'c_1'), conversation),
    );
    expect(await repo.find('c_1')).toMatchObject({ hidden: 1 });
    const [message] = await persistence.repos.messages.listForConversation(conversation.id);
    expect(JSON.parse(message.content ?? '{}').comment).toEqual({ id: 'c_1', hidden: true });
    expect((await persistence.repos.conversationEvents.listForConversation(conversation.id)).map((e) => e.type)).toEqual([
      'comment_hidden',
    ]);
  });

  it('should only record a verb it does not know', async () => {
    const conversation = await persistence.repos.conversations.ensure(
      { channel: COMMENTS_CHANNEL, pageId: '111', customerId: 'post_1:u1' },
      1,
    );
    await persistence.transaction((repos) =>
      new CommentEventApplier().apply(new ConversationUnit(repos, clock.now()), event('edited', 'c_9'), conversation),
    );
    expect(await persistence.repos.conversationEvents.listForConversation(conversation.id)).toEqual([
      expect.objectContaining({ type: 'comment_event', reason: 'comment edited c_9' }),
    ]);
  });
});
