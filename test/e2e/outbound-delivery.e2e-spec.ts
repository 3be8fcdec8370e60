import { enqueueOutbound } from '@app/conversations';
import { MessageAuthor } from '@app/core';
import { HOUR_MS } from '@app/meta';
import { APP_SECRET, PAGE_ID, PAGE_TOKEN, CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';
// Fast, generous retries: these tests are about order and loss, not about how long backoff waits.
const DELIVERY_ENV = {
  ADMIN_API_KEY: ADMIN_KEY,
  MESSENGER_HUMAN_AGENT_TAG: 'true',
  OUTBOX_RETRY_BASE_MS: '20',
  OUTBOX_RETRY_CAP_MS: '400',
  OUTBOX_MAX_ATTEMPTS: '20',
};

async function conversationFor(h: CcmHarness, psid: string, lastUserEventAt: number | null = Date.now()) {
  const conversation = await h.persistence.repos.conversations.ensure(
    { channel: 'messenger', pageId: PAGE_ID, customerId: psid },
    Date.now(),
  );
  await h.persistence.repos.conversations.update(conversation.id, { last_user_event_at: lastUserEventAt });
  h.graph.noteCustomerActivity(psid, lastUserEventAt ?? 0);
  return conversation;
}

async function send(h: CcmHarness, conversationId: string, author: MessageAuthor, text: string): Promise<number[]> {
  const ids = await enqueueOutbound(h.persistence.repos, conversationId, author, { kind: 'text', text }, Date.now());
  h.app.get((await import('@app/conversations')).OutboxDispatcher).kick();
  return ids;
}

describe('outbound delivery', () => {
  let h: CcmHarness;
  const logs: string[] = [];
  beforeEach(async () => {
    logs.length = 0;
    h = await startCcm({ env: DELIVERY_ENV, captureLogs: logs });
  });
  afterEach(() => h.close());

  it('should deliver 50 messages to one PSID in order while 30% of calls fail transiently: none lost, none duplicated', async () => {
    const conversation = await conversationFor(h, testPsid('order'));
    h.graph.setTransientFailureRate(0.3);
    const expected = Array.from({ length: 50 }, (_, i) => `update ${i + 1} of 50`);
    for (const text of expected) await send(h, conversation.id, 'agent', text);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('order')).length >= 50, 25_000);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('order'))).toEqual(expected);
    const failedCalls = h.graph.requests.filter((r) => r.status === 500).length;
    expect(failedCalls).toBeGreaterThan(5); // the double really failed calls
    const rows = await h.persistence.repos.messages.listForConversation(conversation.id);
    expect(rows.every((m) => m.status === 'sent' && m.mid)).toBe(true);
  });

  it('should pause a page on error 190, report it degraded, and send the queued messages after a new token is set', async () => {
    const conversation = await conversationFor(h, testPsid('token'));
    h.graph.revokeToken(PAGE_TOKEN);
    await send(h, conversation.id, 'bot', 'first');
    await send(h, conversation.id, 'bot', 'second');
    await eventually(async () => (await h.persistence.repos.pageStates.get(PAGE_ID))?.token_status === 'invalid');
    const health = (await (await fetch(`${h.url}/health`)).json()) as { status: string; pages: { pageId: string; status: string }[] };
    expect(health).toMatchObject({ status: 'degraded', pages: [{ pageId: PAGE_ID, status: 'token_invalid' }] });
    const rows = await h.persistence.repos.messages.listForConversation(conversation.id);
    expect(rows.map((m) => m.status)).toEqual(['queued', 'queued']); // kept, not failed
    expect(logs.join('\n')).toContain(`ALERT: the access token of page ${PAGE_ID} is invalid`);

    const newToken = 'EAAB-rotated-page-token-789';
    h.graph.addPage({ pageId: PAGE_ID, accessToken: newToken });
    const response = await fetch(`${h.url}/api/admin/pages/${PAGE_ID}/token`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
      body: JSON.stringify({ accessToken: newToken }),
    });
    expect(await response.json()).toEqual({ pageId: PAGE_ID, tokenStatus: 'valid' });
    // Resumed at once: nothing is left waiting for the paused Page's next recheck (a few seconds away).
    const answeredAt = Date.now();
    for (const m of await h.persistence.repos.messages.listForConversation(conversation.id))
      expect(m.status === 'sent' || m.lease_until !== null || (m.next_attempt_at ?? 0) <= answeredAt).toBe(true);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('token')).length === 2, 10_000);
    expect(h.graph.sentTexts(testPsid('token'))).toEqual(['first', 'second']);
    expect(h.graph.sentMessages(testPsid('token')).every((r) => r.accessToken === newToken)).toBe(true);
    expect((await (await fetch(`${h.url}/health`)).json()) as object).toMatchObject({ status: 'ok' });
  });

  it('should detect an expired token with the scheduled check before any customer writes', async () => {
    h.graph.revokeToken(PAGE_TOKEN);
    const { TokenHealthService } = await import('@app/meta');
    await h.app.get(TokenHealthService).checkAll();
    expect(await h.persistence.repos.pageStates.get(PAGE_ID)).toMatchObject({ token_status: 'invalid' });
  });

  it('should never put the access token or the app secret in a log line or a stored error', async () => {
    const conversation = await conversationFor(h, testPsid('secret'));
    h.graph.injectFault({ status: 400, code: 100, subcode: 2018001, message: '(#100) No matching user found', times: 1 });
    const [permanent] = await send(h, conversation.id, 'agent', 'permanent failure');
    h.graph.injectFault({ status: 500, code: 2, times: 3 });
    const [transient] = await send(h, conversation.id, 'agent', 'transient failures');
    await eventually(async () => (await h.persistence.repos.messages.findById(transient))?.status === 'sent', 10_000);
    expect((await h.persistence.repos.messages.findById(permanent))?.status).toBe('failed');
    h.graph.revokeToken(PAGE_TOKEN);
    await send(h, conversation.id, 'agent', 'token failure');
    await eventually(async () => (await h.persistence.repos.pageStates.get(PAGE_ID))?.token_status === 'invalid', 15_000);
    const stored = await h.persistence.db.selectFrom('messages').select('error').execute();
    const haystack = [...logs, ...stored.map((r) => r.error ?? '')].join('\n');
    expect(stored.some((r) => r.error)).toBe(true);
    expect(logs.length).toBeGreaterThan(3);
    for (const secret of [PAGE_TOKEN, APP_SECRET]) expect(haystack.includes(secret)).toBe(false);
  });
});

describe('outbound delivery: the window, long texts and media', () => {
  // One app for these: each works on its own customers (and only the media test uploads), none revokes a token.
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({ env: DELIVERY_ENV });
  });
  afterAll(() => h.close());

  it('should tag an agent reply 30 h after the customer wrote with HUMAN_AGENT and refuse a bot reply locally', async () => {
    const conversation = await conversationFor(h, testPsid('30h'), Date.now() - 30 * HOUR_MS);
    const [botId] = await send(h, conversation.id, 'bot', 'automated follow-up');
    await send(h, conversation.id, 'agent', 'Sorry for the wait, here is your answer.');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('30h')).length === 1);
    expect(h.graph.sentMessages(testPsid('30h'))[0].body).toMatchObject({
      messaging_type: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
      message: { text: 'Sorry for the wait, here is your answer.' },
    });
    const bot = await h.persistence.repos.messages.findById(botId);
    expect(bot?.status).toBe('failed');
    expect(JSON.parse(bot?.error ?? '{}')).toMatchObject({
      kind: 'permanent',
      code: 'OUTSIDE_WINDOW',
      message: expect.stringContaining('only a human agent may answer'),
    });
  });

  it('should send nothing 8 days after the customer wrote', async () => {
    const conversation = await conversationFor(h, testPsid('8d'), Date.now() - 8 * 24 * HOUR_MS);
    const [id] = await send(h, conversation.id, 'agent', 'hello again');
    await eventually(async () => (await h.persistence.repos.messages.findById(id))?.status === 'failed');
    expect(h.graph.sentMessages(testPsid('8d'))).toHaveLength(0);
    expect(JSON.parse((await h.persistence.repos.messages.findById(id))?.error ?? '{}').message).toContain('more than 7 days');
  });

  it('should split a long text at sentence boundaries into messages Meta accepts, in order', async () => {
    const conversation = await conversationFor(h, testPsid('long'));
    const sentence = 'This sentence is part of a very long answer that an agent wrote. ';
    const text = sentence.repeat(70).trim(); // ~4,500 characters
    const ids = await send(h, conversation.id, 'agent', text);
    expect(ids).toHaveLength(3);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('long')).length === 3);
    const parts = h.graph.sentTexts(testPsid('long'));
    expect(parts.every((p) => p.length <= 1999 && p.endsWith('.'))).toBe(true);
    expect(parts.join(' ')).toBe(text);
  });

  it('should upload reusable media once per Page, send it by attachment_id, and upload again when Meta forgets it', async () => {
    const media = { kind: 'media' as const, mediaType: 'image' as const, url: 'https://example.com/catalog/summer.jpg', reusable: true };
    const first = await conversationFor(h, testPsid('media-1'));
    const second = await conversationFor(h, testPsid('media-2'));
    await enqueueOutbound(h.persistence.repos, first.id, 'agent', media, Date.now());
    await enqueueOutbound(h.persistence.repos, second.id, 'agent', media, Date.now());
    h.app.get((await import('@app/conversations')).OutboxDispatcher).kick();
    await h.graph.waitFor(
      () => h.graph.sentMessages(testPsid('media-1')).length === 1 && h.graph.sentMessages(testPsid('media-2')).length === 1,
    );
    const uploads = () => h.graph.requests.filter((r) => r.path === '/me/message_attachments' && r.status === 200);
    expect(uploads()).toHaveLength(1);
    const id = (uploads()[0].response as { attachment_id: string }).attachment_id;
    for (const psid of [testPsid('media-1'), testPsid('media-2')]) {
      expect(h.graph.sentMessages(psid)[0].body).toMatchObject({
        message: { attachment: { type: 'image', payload: { attachment_id: id } } },
      });
    }

    h.graph.expireAttachment(id);
    await enqueueOutbound(h.persistence.repos, first.id, 'agent', media, Date.now());
    h.app.get((await import('@app/conversations')).OutboxDispatcher).kick();
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('media-1')).length === 2, 10_000);
    expect(uploads()).toHaveLength(2);
    expect(
      (h.graph.sentMessages(testPsid('media-1'))[1].body as { message: { attachment: { payload: { attachment_id: string } } } }).message
        .attachment.payload.attachment_id,
    ).not.toBe(id);
  });
});

describe('outbound pacing', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    const { GraphApiDouble } = await import('@app/graph-double');
    const graph = await GraphApiDouble.start({
      appSecret: APP_SECRET,
      pages: [{ pageId: PAGE_ID, accessToken: PAGE_TOKEN }],
      sendRatePerSecond: 60,
    });
    h = await startCcm({ graph, env: { SEND_RATE_PER_PAGE: '50' } });
  });
  afterAll(async () => {
    await h.close();
    await h.graph.stop();
  });

  it('should drain a burst to many customers at the Page rate without a (#613) storm', async () => {
    const conversations = await Promise.all(Array.from({ length: 100 }, (_, i) => conversationFor(h, testPsid(`burst-${i}`))));
    for (const c of conversations)
      for (let i = 0; i < 2; i++) await enqueueOutbound(h.persistence.repos, c.id, 'bot', { kind: 'text', text: `burst ${i}` }, Date.now());
    h.app.get((await import('@app/conversations')).OutboxDispatcher).kick();
    await h.graph.waitFor(() => h.graph.sentMessages().length >= 200, 20_000);
    const throttled = h.graph.requests.filter((r) => (r.response as { error?: { code?: number } }).error?.code === 613).length;
    expect(throttled).toBe(0);
  });
});
