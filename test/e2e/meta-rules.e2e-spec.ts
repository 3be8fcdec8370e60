import { enqueueOutbound, OutboxDispatcher } from '@app/conversations';
import { MessengerSimulator } from '@app/graph-double';
import { HOUR_MS } from '@app/meta';
import { APP_SECRET, PAGE2_ID, PAGE2_TOKEN, PAGE_ID, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const DAY_MS = 24 * HOUR_MS;
const ADMIN_KEY = 'admin-key-for-tests-0123456789';
const DISCLOSURE = 'You are chatting with an automated assistant. Type "agent" to reach a person.';

async function conversationOf(h: CcmHarness, psid: string, pageId = PAGE_ID) {
  return h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId, customerId: psid });
}

async function outboundOf(h: CcmHarness, psid: string) {
  const conversation = await conversationOf(h, psid);
  if (!conversation) return [];
  return (await h.persistence.repos.messages.listForConversation(conversation.id)).filter((m) => m.direction === 'out');
}

/** Waits until the journal is drained and no outbound message of this customer is still queued. */
async function idle(h: CcmHarness, psid: string) {
  await eventually(async () => {
    const pending = await h.persistence.db.selectFrom('inbound_events').select('id').where('status', '=', 'pending').execute();
    const out = await outboundOf(h, psid);
    return pending.length === 0 && out.length > 0 && out.every((m) => m.status !== 'queued');
  }, 5000);
}

describe('Meta rule fixes (issue 16, item 6)', () => {
  describe('the ads-originated window', () => {
    let h: CcmHarness;
    beforeEach(async () => {
      h = await startCcm({ env: { FB_ROUTING_POLICY: 'BOT_ONLY' } });
    });
    afterEach(() => h.close());

    it('should send a bot reply 3 days after an ad-originated first message', async () => {
      await h.simulator.sendText(testPsid('ad'), 'where is my order', { timestamp: Date.now() - 3 * DAY_MS, fromAd: true });
      await h.graph.waitFor(() => h.graph.sentMessages(testPsid('ad')).length > 0);
      expect(h.graph.sentMessages(testPsid('ad'))[0].body).toMatchObject({ messaging_type: 'RESPONSE' });
      expect((await conversationOf(h, testPsid('ad')))?.ads_message_at).toEqual(expect.any(Number));
      await idle(h, testPsid('ad'));
      expect((await outboundOf(h, testPsid('ad'))).map((m) => [m.author, m.status])).toContainEqual(['bot', 'sent']);
    });

    it('should refuse the same bot reply locally for an organic first message', async () => {
      await h.simulator.sendText(testPsid('organic'), 'where is my order', { timestamp: Date.now() - 3 * DAY_MS });
      await idle(h, testPsid('organic'));
      const [reply] = await outboundOf(h, testPsid('organic'));
      expect(reply).toMatchObject({ author: 'bot', status: 'failed' });
      expect(JSON.parse(reply.error ?? '{}')).toMatchObject({ code: 'OUTSIDE_WINDOW' });
      expect(
        h.graph.requests.filter(
          (r) => /\/messages$/.test(r.path) && (r.body as { recipient?: { id?: string } }).recipient?.id === testPsid('organic'),
        ),
      ).toEqual([]);
    });
  });

  describe('text limits in UTF-16 code units and the HUMAN_AGENT default', () => {
    let h: CcmHarness;
    beforeEach(async () => {
      h = await startCcm();
    });
    afterEach(() => h.close());

    it('should split an emoji-heavy text so that every part is within 1999 UTF-16 units, accepted by a double that counts them', async () => {
      const conversation = await h.persistence.repos.conversations.ensure(
        { channel: 'messenger', pageId: PAGE_ID, customerId: testPsid('emoji') },
        Date.now(),
      );
      await h.persistence.repos.conversations.update(conversation.id, { last_user_event_at: Date.now() });
      const text = Array.from({ length: 300 }, () => 'Thanks 👍🏽').join(' '); // 300 × 11 units: 1000 graphemes would fit, the units do not
      const ids = await enqueueOutbound(h.persistence.repos, conversation.id, 'agent', { kind: 'text', text }, Date.now());
      h.app.get(OutboxDispatcher).kick();
      expect(ids.length).toBeGreaterThan(1);
      await h.graph.waitFor(() => h.graph.sentMessages(testPsid('emoji')).length === ids.length);
      const parts = h.graph.sentTexts(testPsid('emoji'));
      expect(parts.every((p) => p.length <= 1999)).toBe(true);
      expect(parts.join(' ')).toBe(text);
      expect(h.graph.requests.filter((r) => r.status === 400)).toEqual([]);
    });

    it('should refuse an agent reply after 24 h when MESSENGER_HUMAN_AGENT_TAG is not set (off by default), with a startup note', async () => {
      expect(h.config.messenger.humanAgentTag).toBe(false);
      expect(h.config.warnings.join('\n')).toContain('MESSENGER_HUMAN_AGENT_TAG is not set');
      const conversation = await h.persistence.repos.conversations.ensure(
        { channel: 'messenger', pageId: PAGE_ID, customerId: testPsid('30h') },
        Date.now(),
      );
      await h.persistence.repos.conversations.update(conversation.id, { last_user_event_at: Date.now() - 30 * HOUR_MS });
      const [id] = await enqueueOutbound(h.persistence.repos, conversation.id, 'agent', { kind: 'text', text: 'late answer' }, Date.now());
      h.app.get(OutboxDispatcher).kick();
      await eventually(async () => (await h.persistence.repos.messages.findById(id))?.status === 'failed');
      expect(JSON.parse((await h.persistence.repos.messages.findById(id))?.error ?? '{}').message).toContain(
        'HUMAN_AGENT tag is switched off',
      );
      expect(h.graph.sentMessages(testPsid('30h'))).toEqual([]);
    });
  });

  describe('a single Page without FACEBOOK_PAGE_ID', () => {
    let h: CcmHarness;
    beforeEach(async () => {
      h = await startCcm({ env: { FACEBOOK_PAGE_ID: '', FACEBOOK_PAGES: '', FB_ROUTING_POLICY: 'BOT_ONLY', ADMIN_API_KEY: ADMIN_KEY } });
    });
    afterEach(() => h.close());

    it('should learn its id from GET /me at startup and ignore events of other Pages', async () => {
      expect(h.config.pages.map((p) => p.pageId)).toEqual([PAGE_ID]);
      expect(h.graph.requests.some((r) => r.method === 'GET' && r.path === '/me')).toBe(true);

      const other = new MessengerSimulator({ webhookUrl: `${h.url}/ccm/webhook`, appSecret: APP_SECRET, pageId: PAGE2_ID, graph: h.graph });
      expect((await other.sendText(testPsid('other-page'), 'where is my order')).response.status).toBe(200);
      await h.simulator.sendText(testPsid('own-page'), 'where is my order');
      await h.graph.waitFor(() => h.graph.sentMessages(testPsid('own-page')).length > 0);
      await idle(h, testPsid('own-page'));
      expect(await conversationOf(h, testPsid('other-page'), PAGE2_ID)).toBeUndefined();
      expect(h.graph.sentMessages(testPsid('other-page'))).toEqual([]);
    });

    it('should refuse a replacement token that belongs to another Page, naming the field, and keep the old one', async () => {
      const response = await fetch(`${h.url}/api/admin/pages/${PAGE_ID}/token`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
        body: JSON.stringify({ accessToken: PAGE2_TOKEN }),
      });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(`accessToken: belongs to page ${PAGE2_ID}, not to page ${PAGE_ID}`);
      expect((await h.persistence.repos.pageStates.get(PAGE_ID))?.access_token ?? null).toBeNull();
    });
  });

  describe('the automated-experience disclosure (BOT_DISCLOSURE_MESSAGE)', () => {
    let h: CcmHarness;
    beforeEach(async () => {
      h = await startCcm({ env: { BOT_DISCLOSURE_MESSAGE: DISCLOSURE } });
    });
    afterEach(() => h.close());

    it('should disclose on first contact, not on every answer, and again when the conversation returns to the bot', async () => {
      await h.simulator.sendText(testPsid('disclose'), 'where is my order');
      await h.graph.waitFor(() => h.graph.sentMessages(testPsid('disclose')).length === 2);
      expect(h.graph.sentTexts(testPsid('disclose'))[0]).toBe(DISCLOSURE);

      await h.simulator.sendText(testPsid('disclose'), 'where is my order');
      await h.graph.waitFor(() => h.graph.sentMessages(testPsid('disclose')).length === 3);
      await idle(h, testPsid('disclose'));
      expect(h.graph.sentTexts(testPsid('disclose')).filter((t) => t === DISCLOSURE)).toHaveLength(1);

      // People take it (the customer asks for a person), then an agent gives it back to the bot.
      await h.simulator.sendText(testPsid('disclose'), 'I want to talk to a person');
      await eventually(async () => (await conversationOf(h, testPsid('disclose')))?.state === 'QUEUED');
      const conversation = await conversationOf(h, testPsid('disclose'));
      await h.persistence.repos.conversations.update(conversation!.id, { state: 'BOT', assigned_agent_id: null });
      await idle(h, testPsid('disclose'));
      const before = h.graph.sentTexts(testPsid('disclose')).length;

      await h.simulator.sendText(testPsid('disclose'), 'where is my order');
      await h.graph.waitFor(() => h.graph.sentMessages(testPsid('disclose')).length === before + 2);
      expect(h.graph.sentTexts(testPsid('disclose')).slice(before)[0]).toBe(DISCLOSURE);
    });
  });
});
