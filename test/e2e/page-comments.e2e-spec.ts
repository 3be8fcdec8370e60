import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { QueueWatcher } from '@app/conversations';
import { psidOfCommenter, RecordedRequest } from '@app/graph-double';
import { ADMIN_KEY, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { APP_SECRET, CcmHarness, eventually, PAGE_ID, PAGE_TOKEN, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { loadCommentFixture, registerComments } from '../helpers/comment-fixtures';

const CHANNEL = 'facebook-comments';
const POST = '1234567890_5550001';
const ALICE = '7000000001';
const BOB = '7000000002';
const ALICE_COMMENT = '5550001_9000001';

async function drained(h: CcmHarness): Promise<void> {
  await eventually(async () => ((await h.persistence.repos.journal.countByStatus()).pending ?? 0) === 0);
}

/** Posts a signed feed webhook fixture (registering its comments with the Graph double first, as they exist at Meta). */
async function postFeed(h: CcmHarness, name: string, values: Record<string, string | number> = {}): Promise<void> {
  const body = loadCommentFixture(name, values);
  registerComments(h.graph, body);
  const response = await h.simulator.post(body);
  expect(response.status).toBe(200);
  await drained(h);
}

async function conversationOf(h: CcmHarness, commenter: string) {
  return h.persistence.repos.conversations.findByKey({ channel: CHANNEL, pageId: PAGE_ID, customerId: `${POST}:${commenter}` });
}

async function messagesOf(h: CcmHarness, commenter: string) {
  const conversation = await conversationOf(h, commenter);
  return conversation ? h.persistence.repos.messages.listForConversation(conversation.id) : [];
}

const publicReplies = (h: CcmHarness, commentId?: string): RecordedRequest[] =>
  h.graph.requests.filter(
    (r) => r.method === 'POST' && /^\/[\w]+\/comments$/.test(r.path) && (commentId === undefined || r.path === `/${commentId}/comments`),
  );
const privateReplies = (h: CcmHarness): RecordedRequest[] =>
  h.graph.requests.filter(
    (r) => r.path === '/me/messages' && (r.body as { recipient?: { comment_id?: string } }).recipient?.comment_id !== undefined,
  );

describe('Page comments channel (feed webhook, one fixture per scenario)', () => {
  let h: CcmHarness;
  beforeEach(async () => {
    h = await startCcm();
  });
  afterEach(() => h.close());

  it('new comment: one conversation for that post and commenter; the bot answers publicly with the Page token and appsecret_proof', async () => {
    await postFeed(h, 'new-comment');
    const conversation = await conversationOf(h, ALICE);
    expect(conversation).toMatchObject({ channel: CHANNEL, page_id: PAGE_ID, state: 'BOT' });
    await h.graph.waitFor(() => publicReplies(h, ALICE_COMMENT).some((r) => r.status === 200));
    const [reply] = publicReplies(h, ALICE_COMMENT);
    expect(reply.accessToken).toBe(PAGE_TOKEN);
    expect(reply.query.appsecret_proof).toBe(createHmac('sha256', APP_SECRET).update(PAGE_TOKEN).digest('hex'));
    expect((reply.body as { message: string }).message).toMatch(/order/i);
    const messages = await eventually(async () => {
      const list = await messagesOf(h, ALICE);
      return list.some((m) => m.direction === 'out' && m.status === 'sent') ? list : undefined;
    });
    expect(messages[0]).toMatchObject({ direction: 'in', author: 'customer', mid: ALICE_COMMENT, text: 'where is my order' });
    expect(messages[1]).toMatchObject({ direction: 'out', author: 'bot', status: 'sent', mid: (reply.response as { id: string }).id });
    // Comments never get Messenger's typing indicators or read marks.
    expect(h.graph.requests.filter((r) => r.path === '/me/messages')).toHaveLength(0);
  });

  it("a reply in the thread by another commenter is that commenter's own conversation; the Page's own comment is recorded there it answers, never answered", async () => {
    await postFeed(h, 'new-comment');
    await postFeed(h, 'reply-in-thread');
    const bob = await conversationOf(h, BOB);
    const alice = await conversationOf(h, ALICE);
    expect(bob?.id).toBeDefined();
    expect(bob?.id).not.toBe(alice?.id);
    expect((await messagesOf(h, BOB))[0]).toMatchObject({ direction: 'in', mid: '5550001_9000002', text: 'asdf qwerty zzz' });
    // Bob's comment is not understood: the conversation goes to the agents (DEFAULT policy).
    await eventually(async () => (await conversationOf(h, BOB))?.state === 'QUEUED');

    // Alice: the bot's answer; Bob: the hand-over notice (a public reply too).
    await h.graph.waitFor(() => publicReplies(h).filter((r) => r.status === 200).length === 2);
    const before = publicReplies(h).length;
    await postFeed(h, 'page-own-comment', { COMMENT_ID: '5550001_9000777' });
    await waitForIdle(h);
    expect(publicReplies(h)).toHaveLength(before);
    const pageComment = (await messagesOf(h, ALICE)).find((m) => m.mid === '5550001_9000777');
    expect(pageComment).toMatchObject({ direction: 'out', author: 'agent', status: 'sent', text: 'Thanks Alice, we are on it' });
    expect(await conversationOf(h, PAGE_ID)).toBeUndefined();
  });

  it('our own public reply coming back through the feed is not stored twice', async () => {
    await postFeed(h, 'new-comment');
    const reply = await eventually(async () => (await messagesOf(h, ALICE)).find((m) => m.direction === 'out' && m.mid));
    await postFeed(h, 'page-own-comment', { COMMENT_ID: reply.mid as string });
    await waitForIdle(h);
    expect((await messagesOf(h, ALICE)).filter((m) => m.mid === reply.mid)).toHaveLength(1);
  });

  it('edit: the stored comment gets the new text (same mid, no new row, no new answer)', async () => {
    await postFeed(h, 'new-comment');
    await h.graph.waitFor(() => publicReplies(h).length === 1);
    await postFeed(h, 'edit');
    await waitForIdle(h);
    const incoming = (await messagesOf(h, ALICE)).filter((m) => m.direction === 'in');
    expect(incoming).toHaveLength(1);
    expect(incoming[0]).toMatchObject({ mid: ALICE_COMMENT, text: 'where is my order #123' });
    expect(publicReplies(h)).toHaveLength(1);
  });

  it('removal and hide: the stored comment is marked and the audit trail says so', async () => {
    await postFeed(h, 'new-comment');
    await h.graph.waitFor(() => publicReplies(h).length === 1);
    await postFeed(h, 'hidden');
    await postFeed(h, 'removal');
    const stored = (await messagesOf(h, ALICE)).find((m) => m.mid === ALICE_COMMENT);
    expect(JSON.parse(stored?.content ?? '{}')).toMatchObject({ comment: { hidden: true, removed: true } });
    const conversation = await conversationOf(h, ALICE);
    const trail = await h.persistence.repos.conversationEvents.listForConversation(conversation!.id);
    expect(trail.map((e) => e.type)).toEqual(expect.arrayContaining(['comment_hidden', 'comment_removed']));
  });

  it('every comment fixture is acknowledged with 200 and nothing is parked dead', async () => {
    for (const name of ['new-comment', 'reply-in-thread', 'page-own-comment', 'edit', 'hidden', 'removal', 'old-comment']) {
      const response = await h.simulator.post(loadCommentFixture(name, { COMMENT_ID: '5550001_9000555' }));
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    }
    await drained(h);
    expect(await h.persistence.repos.journal.countByStatus()).not.toHaveProperty('dead');
  });
});

describe('Page comments: agent actions (comments routed to agents by COMMENTS_ROUTING_POLICY)', () => {
  let h: CcmHarness;
  let alice: DeskAgent;
  beforeEach(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, COMMENTS_ROUTING_POLICY: 'AGENT_ONLY' } });
    alice = await createAgent(h, 'alice');
  });
  afterEach(() => h.close());

  async function acceptedCommentConversation(fixture = 'new-comment', commenter = ALICE): Promise<string> {
    await postFeed(h, fixture);
    const conversation = await eventually(async () => {
      const c = await conversationOf(h, commenter);
      return c?.state === 'QUEUED' ? c : undefined;
    });
    const accepted = await alice.api(`/api/conversations/${conversation.id}/accept`, { method: 'POST' });
    expect(accepted.status).toBe(200);
    return conversation.id;
  }

  it("a private reply continues on Messenger: the customer's answer lands in the linked conversation; a second private reply is refused locally", async () => {
    const id = await acceptedCommentConversation();
    // AGENT_ONLY for comments: the bot did not answer; the only public reply is the hand-over notice.
    await h.graph.waitFor(() => publicReplies(h).length === 1);
    expect((publicReplies(h)[0].body as { message: string }).message).toMatch(/No colleague is available right now/);

    const sent = await alice.api(`/api/conversations/${id}/channel-actions`, {
      body: { action: 'private_reply', text: 'Hi Alice, can you send us your order number?' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ action: 'private_reply', itemId: ALICE_COMMENT, linkedConversationId: expect.any(String) });
    expect(privateReplies(h)).toHaveLength(1);
    expect(privateReplies(h)[0]).toMatchObject({
      status: 200,
      accessToken: PAGE_TOKEN,
      body: { recipient: { comment_id: ALICE_COMMENT }, message: { text: 'Hi Alice, can you send us your order number?' } },
    });

    // The customer answers on Messenger, from the PSID Meta gave the private reply.
    const psid = psidOfCommenter(ALICE);
    const { response } = await h.simulator.sendText(psid, 'my order is 4711');
    expect(response.status).toBe(200);
    await drained(h);
    const messenger = await h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: psid });
    expect(messenger?.id).toBe(sent.body.linkedConversationId);
    expect(messenger?.linked_conversation_id).toBe(id);
    const transcript = await h.persistence.repos.messages.listForConversation(messenger!.id);
    expect(transcript.slice(0, 2)).toEqual([
      expect.objectContaining({ direction: 'out', author: 'agent', text: 'Hi Alice, can you send us your order number?' }),
      expect.objectContaining({ direction: 'in', author: 'customer', text: 'my order is 4711' }),
    ]);
    // Visible from the comment conversation.
    const view = await alice.api(`/api/conversations/${id}`);
    expect(view.body).toMatchObject({ channel: 'facebook-comments', linkedConversationId: messenger!.id });

    const second = await alice.api(`/api/conversations/${id}/channel-actions`, { body: { action: 'private_reply', text: 'one more?' } });
    expect(second.status).toBe(409);
    expect(second.body).toEqual({
      error: { code: 'ACTION_REFUSED', message: expect.stringContaining('a private reply was already sent to this comment') },
    });
    await waitForIdle(h);
    expect(privateReplies(h)).toHaveLength(1);
  });

  it('a private reply more than 7 days after the comment is refused locally, without a call', async () => {
    const id = await acceptedCommentConversation('old-comment', '7000000009');
    const refused = await alice.api(`/api/conversations/${id}/channel-actions`, { body: { action: 'private_reply', text: 'hello' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('only within 7 days');
    expect(privateReplies(h)).toHaveLength(0);
  });

  it('public reply, like, hide and delete reach the Graph double; a deleted comment is not acted on again', async () => {
    const id = await acceptedCommentConversation();
    const reply = await alice.api(`/api/conversations/${id}/channel-actions`, {
      body: { action: 'public_reply', text: 'We are checking!' },
    });
    expect(reply.status).toBe(200);
    expect(publicReplies(h, ALICE_COMMENT).map((r) => (r.body as { message: string }).message)).toEqual([
      expect.stringMatching(/No colleague is available right now/),
      'We are checking!',
    ]);
    for (const action of ['like', 'hide', 'unhide', 'delete']) {
      const result = await alice.api(`/api/conversations/${id}/channel-actions`, { body: { action } });
      expect({ action, status: result.status }).toEqual({ action, status: 200 });
    }
    const calls = h.graph.requests.filter((r) => r.path.startsWith(`/${ALICE_COMMENT}`)).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls).toEqual([
      `POST /${ALICE_COMMENT}/comments 200`,
      `POST /${ALICE_COMMENT}/comments 200`,
      `POST /${ALICE_COMMENT}/likes 200`,
      `POST /${ALICE_COMMENT} 200`,
      `POST /${ALICE_COMMENT} 200`,
      `DELETE /${ALICE_COMMENT} 200`,
    ]);
    expect(h.graph.comments.comments.get(ALICE_COMMENT)).toMatchObject({ likedByPage: true, hidden: false, deleted: true });
    const afterDelete = await alice.api(`/api/conversations/${id}/channel-actions`, { body: { action: 'like' } });
    expect(afterDelete.status).toBe(404); // the deleted comment is no longer one to act on

    const invalid = await alice.api(`/api/conversations/${id}/channel-actions`, { body: { action: 'poke' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('VALIDATION_FAILED');

    const channels = await alice.api('/api/channels');
    expect(channels.body.map((c: { id: string }) => c.id)).toEqual(['messenger', 'facebook-comments', 'instagram']);
  });

  it('Messenger keeps its own policy (the bot answers) and has no comment actions', async () => {
    await h.simulator.sendText('psid-plain', 'where is my order');
    await h.graph.waitFor(() => h.graph.sentMessages('psid-plain').length === 1);

    await h.simulator.sendText('psid-unclear', 'asdf qwerty zzz');
    const queued = await eventually(async () => {
      const c = await h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: 'psid-unclear' });
      return c?.state === 'QUEUED' ? c : undefined;
    });
    expect((await alice.api(`/api/conversations/${queued.id}/accept`, { method: 'POST' })).status).toBe(200);
    const refused = await alice.api(`/api/conversations/${queued.id}/channel-actions`, { body: { action: 'hide' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'ACTION_NOT_SUPPORTED',
      message: 'Facebook Messenger conversations do not support hide',
    });
  });
});

describe('Page comments: per-Page comments policy', () => {
  it('FACEBOOK_PAGES[].commentsRoutingPolicy wins for that Page', async () => {
    const h = await startCcm({
      env: {
        FACEBOOK_PAGES: JSON.stringify([
          { id: '2222222222', accessToken: 'EAAB-second-page-token-456', commentsRoutingPolicy: 'AGENT_ONLY' },
        ]),
        COMMENTS_ROUTING_POLICY: 'BOT_ONLY',
      },
    });
    try {
      await postFeed(h, 'new-comment'); // page 1234567890: COMMENTS_ROUTING_POLICY=BOT_ONLY → the bot answers
      await h.graph.waitFor(() => publicReplies(h, ALICE_COMMENT).length === 1);
      const body = JSON.parse(JSON.stringify(loadCommentFixture('reply-in-thread')).split('1234567890').join('2222222222'));
      registerComments(h.graph, body);
      expect((await h.simulator.post(body)).status).toBe(200);
      await drained(h);
      const other = await eventually(async () => {
        const c = await h.persistence.repos.conversations.findByKey({
          channel: CHANNEL,
          pageId: '2222222222',
          customerId: `2222222222_5550001:${BOB}`,
        });
        return c?.state === 'QUEUED' ? c : undefined;
      });
      expect(other.state).toBe('QUEUED');
    } finally {
      await h.close();
    }
  });
});

describe('Page comments: review fixes (issue 12)', () => {
  let h: CcmHarness;
  beforeEach(async () => {
    h = await startCcm({ env: { QUEUE_TIMEOUT_MS: '600000', QUEUE_UPDATE_INTERVAL_MS: '100000' } });
  });
  afterEach(() => h.close());

  /** Alice's second comment on the post, a minute after her first. */
  function secondComment(commentId: string, message: string): unknown {
    const body = loadCommentFixture('new-comment') as { entry: { changes: { value: Record<string, unknown> }[] }[] };
    const value = body.entry[0].changes[0].value;
    Object.assign(value, { comment_id: commentId, message, created_time: Number(value.created_time) + 60 });
    return body;
  }

  it('each answer goes under the comment it answers, not under the latest comment at delivery time', async () => {
    // The Page is blocked while Alice writes twice: both answers wait in the outbox until it is unblocked.
    await h.persistence.repos.pageStates.setBlocked(PAGE_ID, true, 'test', Date.now());
    await postFeed(h, 'new-comment');
    const second = secondComment('5550001_9000002', 'hello');
    registerComments(h.graph, second);
    expect((await h.simulator.post(second)).status).toBe(200);
    await drained(h);
    await eventually(async () => (await messagesOf(h, ALICE)).filter((m) => m.direction === 'out').length === 2);
    await h.persistence.repos.pageStates.setBlocked(PAGE_ID, false, null, Date.now());
    await h.graph.waitFor(() => publicReplies(h).filter((r) => r.status === 200).length === 2, 10_000);
    await waitForIdle(h);
    const replies = publicReplies(h).map((r) => ({ under: r.path, text: (r.body as { message: string }).message }));
    expect(replies).toHaveLength(2);
    expect(replies[0]).toEqual({ under: `/${ALICE_COMMENT}/comments`, text: expect.stringMatching(/order/i) });
    expect(replies[1]).toEqual({ under: '/5550001_9000002/comments', text: expect.any(String) });
  });

  it('a reply Meta accepted is not posted again when indexing it locally fails', async () => {
    await sql`create trigger no_own_reply before insert on page_comments when new.from_page = 1
      begin select raise(abort, 'disk I/O error'); end`.execute(h.persistence.db);
    await postFeed(h, 'new-comment');
    await eventually(async () => (await messagesOf(h, ALICE)).find((m) => m.direction === 'out' && m.status === 'sent'));
    await waitForIdle(h);
    expect(publicReplies(h, ALICE_COMMENT)).toHaveLength(1);
  });

  it('a reply Meta accepted is not posted again when marking it sent fails for a while', async () => {
    const logs: string[] = [];
    await h.close();
    h = await startCcm({ captureLogs: logs });
    await sql`create trigger no_mark_sent before update of status on messages when new.status = 'sent'
      begin select raise(abort, 'database is locked'); end`.execute(h.persistence.db);
    await postFeed(h, 'new-comment');
    await h.graph.waitFor(() => publicReplies(h, ALICE_COMMENT).some((r) => r.status === 200));
    // Recording the accepted send failed (or — the old behaviour — it was taken for a failed send and posted again).
    await eventually(async () => logs.some((l) => l.includes('was sent but recording it failed')) || publicReplies(h).length > 1);
    await sql`drop trigger no_mark_sent`.execute(h.persistence.db);
    await eventually(async () => (await messagesOf(h, ALICE)).find((m) => m.direction === 'out' && m.status === 'sent'), 10_000);
    await waitForIdle(h);
    expect(publicReplies(h, ALICE_COMMENT)).toHaveLength(1);
  });

  it('queue notices are not posted publicly: the hand-over reply names no place in the queue, and no position or long-wait notice follows', async () => {
    await postFeed(h, 'reply-in-thread'); // Bob's comment is not understood: the agents' queue
    const bob = await eventually(async () => {
      const c = await conversationOf(h, BOB);
      return c?.state === 'QUEUED' ? c : undefined;
    });
    await h.graph.waitFor(() => publicReplies(h).some((r) => r.status === 200));
    await waitForIdle(h);
    expect(publicReplies(h).map((r) => (r.body as { message: string }).message)).toEqual([
      expect.stringMatching(/No colleague is available right now/),
    ]);
    expect((publicReplies(h)[0].body as { message: string }).message).toBe(h.config.queue.noAgentMessage);
    // Its long wait has passed: a Messenger customer would be told, a public thread is not.
    await h.persistence.repos.conversations.update(bob.id, { queued_at: Date.now() - 600_000 });
    expect(await h.app.get(QueueWatcher).tick()).toBe(0);
    await waitForIdle(h);
    expect(publicReplies(h)).toHaveLength(1);
  });
});
