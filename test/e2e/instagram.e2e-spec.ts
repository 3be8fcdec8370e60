import { enqueueOutbound, OutboxDispatcher } from '@app/conversations';
import { appSecretProof } from '@app/meta';
import { instagramTextItem, webhookEnvelope } from '@app/graph-double';
import { ADMIN_KEY, createAgent } from '../helpers/agent-desk-client';
import { APP_SECRET, PAGE_ID, PAGE_TOKEN, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';

const IG_ACCOUNT = '17841400000000042';
const IGSID = '6543210987654321';

async function instagramDm(h: CcmHarness, igsid: string, text: string) {
  const item = instagramTextItem(IG_ACCOUNT, igsid, text);
  h.graph.noteCustomerActivity(igsid, item.timestamp);
  return h.simulator.post(webhookEnvelope([{ pageId: IG_ACCOUNT, messaging: [item] }], 'instagram'));
}

async function instagramConversation(h: CcmHarness, igsid: string) {
  return h.persistence.repos.conversations.findByKey({ channel: 'instagram', pageId: PAGE_ID, customerId: igsid });
}

describe('Instagram Direct channel', () => {
  let h: CcmHarness;
  beforeEach(async () => {
    h = await startCcm({ env: { FACEBOOK_INSTAGRAM_ACCOUNT_ID: IG_ACCOUNT, ADMIN_API_KEY: ADMIN_KEY } });
    h.graph.instagram.link(IG_ACCOUNT, PAGE_ID);
    h.graph.instagram.addUser({ igsid: IGSID, accountId: IG_ACCOUNT, name: 'Ines Gram', username: 'ines.g', followerCount: 1234 });
  });
  afterEach(() => h.close());

  it('should answer an Instagram DM with the bot within a second through the Instagram path, shown in the desk as Instagram', async () => {
    const started = Date.now();
    const response = await instagramDm(h, IGSID, 'where is my order');
    expect(response.status).toBe(200);
    await h.graph.waitFor(() => h.graph.sentMessages(IGSID).length > 0, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    const [send] = h.graph.sentMessages(IGSID);
    expect(send.accessToken).toBe(PAGE_TOKEN); // the linked Page's token
    expect(send.body).toMatchObject({
      recipient: { id: IGSID },
      messaging_type: 'RESPONSE',
      message: { text: expect.stringContaining('track your order') },
    });
    expect((send.body as { message: object }).message).not.toHaveProperty('metadata'); // Instagram has none

    const conversation = await instagramConversation(h, IGSID);
    expect(conversation).toMatchObject({ channel: 'instagram', state: 'BOT' });
    const supervisor = await createAgent(h, 'sam', 'supervisor');
    const view = await eventually(async () => {
      const r = await supervisor.api(`/api/conversations/${conversation!.id}`);
      return r.status === 200 && r.body.customer.name === 'Ines Gram' ? r.body : undefined;
    });
    expect(view).toMatchObject({ channel: 'instagram', customer: { id: IGSID, name: 'Ines Gram' } });
    const messages = await eventually(async () => {
      const r = await supervisor.api(`/api/conversations/${conversation!.id}/messages`);
      return r.body.length === 2 && r.body[1].status === 'sent' ? r.body : undefined;
    });
    expect(messages.map((m: { author: string }) => m.author)).toEqual(['customer', 'bot']);
  });

  it('should split a text Instagram cannot take (over 1000 bytes) instead of sending it as is', async () => {
    await instagramDm(h, IGSID, 'hello');
    const conversation = await eventually(() => instagramConversation(h, IGSID));
    await h.graph.waitFor(() => h.graph.sentMessages(IGSID).length > 0);
    const before = h.graph.sentMessages(IGSID).length;
    const text = Array.from({ length: 90 }, (_, i) => `Grüße aus Köln ${i}.`).join(' '); // ~1,700 characters (fits Messenger), ~1,970 bytes (not Instagram)
    expect(text.length).toBeLessThan(1999);
    await enqueueOutbound(h.persistence.repos, conversation.id, 'agent', { kind: 'text', text }, Date.now());
    h.app.get(OutboxDispatcher).kick();
    await eventually(async () =>
      (await h.persistence.repos.messages.listForConversation(conversation.id)).every((m) => m.status !== 'queued'),
    );
    const parts = h.graph.sentTexts(IGSID).slice(before);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.every((p) => Buffer.byteLength(p, 'utf8') <= 1000)).toBe(true);
    expect(parts.join(' ')).toBe(text);
    expect(h.graph.requests.filter((r) => r.status === 400)).toEqual([]); // nothing went out as is to be refused
  });

  it('should degrade a call button Instagram cannot show, and the double refuses one sent as is', async () => {
    await instagramDm(h, IGSID, 'hello');
    const conversation = await eventually(() => instagramConversation(h, IGSID));
    await h.graph.waitFor(() => h.graph.sentMessages(IGSID).length > 0);
    const before = h.graph.sentMessages(IGSID).length;
    await enqueueOutbound(
      h.persistence.repos,
      conversation.id,
      'agent',
      { kind: 'buttons', text: 'Need help?', buttons: [{ type: 'call', title: 'Call us', phoneNumber: '+16505551234' }] },
      Date.now(),
    );
    h.app.get(OutboxDispatcher).kick();
    await h.graph.waitFor(() => h.graph.sentMessages(IGSID).length > before);
    const body = h.graph.sentMessages(IGSID)[before].body as { message: { text?: string; attachment?: unknown } };
    expect(body.message.attachment).toBeUndefined();
    expect(body.message.text).toContain('+16505551234');

    // The double enforces Instagram's rules: the same template sent as is would be refused.
    const raw = await fetch(`${h.graph.url}/me/messages?appsecret_proof=${appSecretProof(APP_SECRET, PAGE_TOKEN)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${PAGE_TOKEN}` },
      body: JSON.stringify({
        recipient: { id: IGSID },
        messaging_type: 'RESPONSE',
        message: {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'button',
              text: 'Need help?',
              buttons: [{ type: 'phone_number', title: 'Call us', payload: '+16505551234' }],
            },
          },
        },
      }),
    });
    expect(raw.status).toBe(400);
    expect(JSON.stringify(await raw.json())).toContain('Button type phone_number is not supported for Instagram');
  });

  it('should ignore DMs of an Instagram account that is not linked to a configured Page', async () => {
    const item = instagramTextItem('17841499999999999', '5310000000000077', 'hello');
    const response = await h.simulator.post(webhookEnvelope([{ pageId: '17841499999999999', messaging: [item] }], 'instagram'));
    expect(response.status).toBe(200);
    await instagramDm(h, IGSID, 'where is my order'); // processed after the first one: the first was dropped, not pending
    await h.graph.waitFor(() => h.graph.sentMessages(IGSID).length > 0);
    expect(
      await h.persistence.db.selectFrom('conversations').select('customer_id').where('customer_id', '=', '5310000000000077').execute(),
    ).toEqual([]);
  });
});
