import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, createAgent } from '../helpers/agent-desk-client';
import { SubscriptionHealthService } from '@app/channel-messenger';
import { MessageRow } from '@app/persistence';
import { MessengerSimulatorServer } from '../../apps/simulator/src/simulator';
import { APP_SECRET, CcmHarness, eventually, PAGE_ID, PAGE_TOKEN, startCcm, waitForIdle } from '../helpers/ccm-harness';

/**
 * The Messenger simulator (apps/simulator) against the real ccm: everything goes through its HTTP API
 * (the one its page uses) and through ccm's webhook, signed and batched like Meta's.
 */
const PROFILE = {
  get_started: { payload: 'GET_STARTED' },
  greeting: [{ locale: 'default', text: 'Hi {{user_first_name}}, how can we help?' }],
  ice_breakers: [{ locale: 'default', call_to_actions: [{ question: 'Where is my order?', payload: 'TRACK_ORDER' }] }],
  persistent_menu: [
    {
      locale: 'default',
      composer_input_disabled: false,
      call_to_actions: [
        { type: 'postback', title: 'Track my order', payload: 'TRACK_ORDER' },
        { type: 'web_url', title: 'Visit the shop', url: 'https://shop.example' },
      ],
    },
  ],
};

const OTHER_PAGE_ID = '100000000000777';
const OTHER_PAGE_TOKEN = 'other-page-token';

describe('Messenger simulator against ccm', () => {
  jest.setTimeout(60_000);
  const mediaDir = mkdtempSync(join(tmpdir(), 'ccm-sim-media-'));
  let sim: MessengerSimulatorServer;
  let h: CcmHarness;

  beforeAll(async () => {
    sim = await MessengerSimulatorServer.start({
      appSecret: APP_SECRET,
      pages: [
        { pageId: PAGE_ID, accessToken: PAGE_TOKEN, name: 'Shoe Shop' },
        // A second Page of the same app that no simulated customer writes to (the window is per Page and PSID).
        { pageId: OTHER_PAGE_ID, accessToken: OTHER_PAGE_TOKEN, name: 'Other Page' },
      ],
    });
    h = await startCcm({
      graph: sim.graph,
      env: {
        OUTBOX_RETRY_BASE_MS: '20',
        OUTBOX_RETRY_CAP_MS: '200',
        OUTBOX_MAX_ATTEMPTS: '30',
        FACEBOOK_INSTAGRAM_ACCOUNT_ID: sim.instagramAccountId,
        ADMIN_API_KEY: ADMIN_KEY,
        MEDIA_DIR: mediaDir,
        MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1', // the double's CDN runs on 127.0.0.1 (local mode allows it the same way)
        FACEBOOK_AUTO_SUBSCRIBE: 'true',
      },
    });
    sim.setWebhookUrl(`${h.url}/ccm/webhook`);
  });
  afterAll(async () => {
    await h?.close();
    await sim?.stop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.origin}/sim/api${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const pageItems = (psid: string) => sim.thread(psid).filter((i) => i.from === 'page');
  const messagesOf = async (psid: string): Promise<MessageRow[]> => {
    const conversation = await h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: psid });
    return conversation ? h.persistence.repos.messages.listForConversation(conversation.id) : [];
  };

  it('should serve the customer page with a CSP that forbids inline scripts', async () => {
    const page = await fetch(`${sim.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=/i);
    expect((await fetch(`${sim.origin}/app.js`)).headers.get('content-type')).toContain('javascript');
  });

  it('should create a customer whose name and locally served picture ccm reads through the profile API', async () => {
    const { status, body: ada } = await api('POST', '/customers', { name: 'Ada Lovelace', locale: 'en_GB' });
    expect(status).toBe(201);
    expect(ada.pictureUrl).toBe(`${sim.origin}/_double/avatar/${ada.psid}.svg`);
    const svg = await fetch(ada.pictureUrl);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toContain('>AL<');

    expect((await api('POST', `/customers/${ada.psid}/messages`, { text: 'hello' })).status).toBe(201);
    await eventually(async () => pageItems(ada.psid).length >= 1, 10_000);
    const conversation = await h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: ada.psid });
    expect(conversation?.customer_profile ?? '').toContain('Ada');
    expect(conversation?.customer_profile ?? '').toContain('Lovelace');
  });

  it('should deliver signed, batched webhooks; show the reply; and send echoes, delivery and read receipts that ccm applies', async () => {
    const { body: bob } = await api('POST', '/customers', { name: 'Bob' });
    await api('POST', `/customers/${bob.psid}/messages`, { text: 'show me your products' });
    await eventually(async () => pageItems(bob.psid).some((i) => JSON.stringify(i.message).includes('generic')), 10_000);
    // The customer's bubble went from sent to delivered once ccm acknowledged the webhook.
    expect(sim.thread(bob.psid)[0]).toMatchObject({ from: 'customer', status: expect.stringMatching(/delivered|read/) });

    // Delivery receipts reached ccm: the bot's messages are 'delivered' there.
    await eventually(
      async () => (await messagesOf(bob.psid)).filter((m) => m.direction === 'out').every((m) => m.status === 'delivered'),
      10_000,
    );
    // The customer reads them: a read event, and ccm marks them read.
    await api('POST', `/customers/${bob.psid}/read`);
    await eventually(
      async () => (await messagesOf(bob.psid)).filter((m) => m.direction === 'out').every((m) => m.status === 'read'),
      10_000,
    );
    expect(pageItems(bob.psid).every((i) => i.status === 'read')).toBe(true);
    // Echoes of the Page's own sends were delivered and matched, not stored as new messages.
    const outbound = (await messagesOf(bob.psid)).filter((m) => m.direction === 'out');
    expect(outbound).toHaveLength(pageItems(bob.psid).length);
    await sim.delivery.drain();
    expect(sim.delivery.attempts.every((a) => a.status === 200)).toBe(true);
  });

  it('should send a tapped carousel button as a postback, a quick reply with its payload, and a reaction', async () => {
    const { body: cy } = await api('POST', '/customers', { name: 'Cy' });
    await api('POST', `/customers/${cy.psid}/postbacks`, { title: 'Buy', payload: 'BUY_SNEAKER_1' });
    await eventually(async () => pageItems(cy.psid).some((i) => String(i.message?.text).includes('Great choice')), 10_000);
    await api('POST', `/customers/${cy.psid}/messages`, { text: 'Menu', quickReplyPayload: 'MENU' });
    await eventually(async () => pageItems(cy.psid).some((i) => JSON.stringify(i.message).includes('Track my order')), 10_000);
    const inbound = (await messagesOf(cy.psid)).filter((m) => m.direction === 'in');
    expect(inbound.map((m) => m.content ?? '').join(' ')).toContain('MENU');

    const mid = pageItems(cy.psid)[0].mid;
    expect((await api('POST', `/customers/${cy.psid}/reactions`, { mid, emoji: '❤️' })).status).toBe(200);
    await sim.delivery.drain();
    expect(sim.thread(cy.psid).find((i) => i.mid === mid)?.reaction).toEqual({ emoji: '❤️', reaction: 'love' });
    // ccm applied it to its copy of that message (the desk shows it there).
    await eventually(async () => (await messagesOf(cy.psid)).find((m) => m.mid === mid)?.customer_reaction === '❤️', 10_000);
  });

  it("should upload an image the customer sends to the double's CDN behind an expiring link; ccm keeps its own copy", async () => {
    const { body: di } = await api('POST', '/customers', { name: 'Di' });
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const { body: upload } = await api('POST', `/customers/${di.psid}/uploads`, {
      dataUrl: `data:image/png;base64,${png.toString('base64')}`,
      name: 'p.png',
    });
    expect(upload.type).toBe('image');
    await api('POST', `/customers/${di.psid}/messages`, { attachments: [upload] });
    await eventually(
      async () => (await messagesOf(di.psid)).some((m) => m.direction === 'in' && (m.content ?? '').includes(upload.url)),
      10_000,
    );
    const served = await fetch(upload.url);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png);
    // Meta's kind of link: on the CDN, with its expiry in `oe` (hex epoch seconds, about an hour ahead).
    expect(upload.url).toMatch(new RegExp(`^${sim.origin}/cdn/[\\w.-]+\\?oe=[0-9A-F]+$`));
    const oe = parseInt(new URL(upload.url).searchParams.get('oe')!, 16) * 1000;
    expect(oe - Date.now()).toBeGreaterThan(50 * 60_000);
    // ccm stored its copy; once the CDN link is dead, ccm's link still serves the picture.
    const inbound = (await messagesOf(di.psid)).find((m) => m.direction === 'in')!;
    const storedUrl = (JSON.parse(inbound.content!) as { attachments: { storedUrl: string }[] }).attachments[0].storedUrl;
    await eventually(async () => (await fetch(`${h.url}${storedUrl}`)).status === 200, 10_000);
    expect((await api('POST', '/cdn/expire')).body.expired).toBeGreaterThanOrEqual(1);
    expect((await fetch(upload.url)).status).toBe(403);
    const kept = await fetch(`${h.url}${storedUrl}`);
    expect(Buffer.from(await kept.arrayBuffer())).toEqual(png);
  });

  it('should talk to an Instagram customer through the Instagram path, with its profile fields and limits', async () => {
    const { status, body: ines } = await api('POST', '/customers', { name: 'Ines Gram', channel: 'instagram' });
    expect(status).toBe(201);
    expect(ines).toMatchObject({
      channel: 'instagram',
      username: 'ines.gram',
      psid: expect.stringMatching(/^\d+$/) /* numeric, like Meta's IGSIDs */,
    });
    expect((await api('GET', '/state')).body.instagram).toMatchObject({
      accountId: sim.instagramAccountId,
      limits: expect.stringContaining('1000 bytes'),
    });
    await api('POST', `/customers/${ines.psid}/messages`, { text: 'where is my order' });
    await eventually(async () => pageItems(ines.psid).length >= 1, 10_000);
    // Delivered as `object: "instagram"` to ccm, answered through the linked Page's Send API, shown to the customer.
    // The IG profile (name, @username, followers) is read through the linked Page after the message is stored.
    const conversation = await eventually(async () => {
      const row = await h.persistence.repos.conversations.findByKey({ channel: 'instagram', pageId: PAGE_ID, customerId: ines.psid });
      return row?.customer_profile?.includes('ines.gram') ? row : undefined;
    }, 10_000);
    const sent = sim.graph.sentMessages(ines.psid);
    expect(sent.length).toBeGreaterThan(0);
    // Within Instagram's limits: text ≤ 1000 bytes, no metadata.
    for (const r of sent) {
      const message = (r.body as { message: { text?: string; metadata?: string } }).message;
      expect(Buffer.byteLength(message.text ?? '', 'utf8')).toBeLessThanOrEqual(1000);
      expect(message.metadata).toBeUndefined();
    }
    // No delivery receipts on Instagram; the customer's "seen" names the message.
    await api('POST', `/customers/${ines.psid}/read`);
    const outbound = (await h.persistence.repos.messages.listForConversation(conversation.id)).filter((m) => m.direction === 'out');
    expect(outbound.length).toBe(pageItems(ines.psid).length); // echoes matched, not stored again
    await eventually(
      async () =>
        (await h.persistence.repos.messages.listForConversation(conversation.id)).some((m) => m.direction === 'out' && m.status === 'read'),
      10_000,
    );
    await sim.delivery.drain();
    expect(sim.delivery.attempts.every((a) => a.status === 200)).toBe(true);
  });

  it('should show the Page inbox taking, requesting and passing back the thread; standby while it owns it; 2018300 for ccm', async () => {
    const { body: hal } = await api('POST', '/customers', { name: 'Hal' });
    await api('POST', `/customers/${hal.psid}/messages`, { text: 'hello' });
    await eventually(async () => pageItems(hal.psid).length >= 1, 10_000);
    // The inbox takes the thread: ccm is told (take_thread_control) and the customer's next message is standby.
    expect((await api('POST', `/customers/${hal.psid}/inbox`, { action: 'take' })).body).toMatchObject({ owner: 'page_inbox' });
    const conversationOf = () =>
      h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: hal.psid });
    await eventually(async () => (await conversationOf())?.thread_owner === '263902037430900', 10_000);
    await waitForIdle(h); // the bot's answers to "hello" are all out
    const answered = pageItems(hal.psid).length;
    await api('POST', `/customers/${hal.psid}/messages`, { text: 'anyone in the inbox?' });
    const standby = await eventually(async () => (await messagesOf(hal.psid)).find((m) => m.text === 'anyone in the inbox?'), 10_000);
    expect(JSON.parse(standby.content ?? '{}')).toMatchObject({ standby: true });
    // A send by ccm meanwhile is refused by Meta with 2018300.
    const proof = createHmac('sha256', APP_SECRET).update(PAGE_TOKEN).digest('hex');
    const refused = await fetch(`${sim.graphUrl}/me/messages?access_token=${PAGE_TOKEN}&appsecret_proof=${proof}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: { id: hal.psid }, messaging_type: 'RESPONSE', message: { text: 'bot here' } }),
    });
    expect(((await refused.json()) as any).error).toMatchObject({ code: 10, error_subcode: 2018300 });
    // The inbox passes it back: ccm owns it again.
    expect((await api('POST', `/customers/${hal.psid}/inbox`, { action: 'pass' })).body).toMatchObject({ owner: 'ccm' });
    await eventually(async () => (await conversationOf())?.thread_owner === null, 10_000);
    // The inbox asks for the bot's thread: ccm passes it (pass_thread_control, seen on the double).
    await api('POST', `/customers/${hal.psid}/inbox`, { action: 'request' });
    await eventually(async () => (await api('GET', `/customers/${hal.psid}/thread`)).body.routing.owner === 'page_inbox', 10_000);
    expect(sim.graph.requests.some((r) => r.path === '/me/pass_thread_control' && r.status === 200)).toBe(true);
    await waitForIdle(h);
    expect(pageItems(hal.psid).length).toBe(answered); // nothing answered the standby message
    expect((await api('POST', `/customers/${hal.psid}/inbox`, { action: 'steal' })).status).toBe(400);
  });

  it('should send a bot reply 3 days after a message from an ad, and have ccm refuse it for an organic one', async () => {
    const { body: ava } = await api('POST', '/customers', { name: 'Ava' });
    const { body: oli } = await api('POST', '/customers', { name: 'Oli' });
    await api('POST', `/customers/${ava.psid}/messages`, { text: 'where is my order', fromAd: true, ageHours: 72 });
    await api('POST', `/customers/${oli.psid}/messages`, { text: 'where is my order', ageHours: 72 });
    await eventually(async () => pageItems(ava.psid).length >= 1, 10_000);
    const ad = await h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: ava.psid });
    expect(ad?.ads_message_at).toBeLessThan(Date.now() - 71 * 3600_000); // the ad's window runs from 3 days ago
    expect(sim.graph.sentMessages(ava.psid)[0].body).toMatchObject({ messaging_type: 'RESPONSE' });
    await eventually(async () => (await messagesOf(oli.psid)).some((m) => m.direction === 'out' && m.status === 'failed'), 10_000);
    const [refused] = (await messagesOf(oli.psid)).filter((m) => m.direction === 'out');
    expect(JSON.parse(refused.error ?? '{}')).toMatchObject({ code: 'OUTSIDE_WINDOW' });
    expect(sim.graph.sentMessages(oli.psid)).toEqual([]); // refused locally: no Send API call
    expect(pageItems(oli.psid)).toEqual([]);
    expect((await api('POST', `/customers/${oli.psid}/messages`, { text: 'x', ageHours: 1000 })).status).toBe(400);
  });

  it('should show the Messenger Profile ccm set and deliver its Get Started, ice breaker and menu postbacks', async () => {
    const put = await fetch(`${h.url}/api/admin/pages/${PAGE_ID}/messenger-profile`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
      body: JSON.stringify(PROFILE),
    });
    expect(put.status).toBe(200);
    const { body: state } = await api('GET', '/state');
    // As ccm applied it (its payloads carry ccm's choice encoding around the configured payload).
    expect(state.messengerProfile).toMatchObject({
      get_started: { payload: expect.stringContaining('GET_STARTED') },
      greeting: PROFILE.greeting,
    });
    const menuItem = state.messengerProfile.persistent_menu[0].call_to_actions[0];
    const breaker = state.messengerProfile.ice_breakers[0].call_to_actions[0];
    const { body: gia } = await api('POST', '/customers', { name: 'Gia' });
    await api('POST', `/customers/${gia.psid}/postbacks`, { title: 'Get Started', payload: state.messengerProfile.get_started.payload });
    await api('POST', `/customers/${gia.psid}/postbacks`, { title: breaker.question, payload: breaker.payload });
    await api('POST', `/customers/${gia.psid}/postbacks`, { title: menuItem.title, payload: menuItem.payload });
    await eventually(async () => (await messagesOf(gia.psid)).filter((m) => m.direction === 'in').length === 3, 10_000);
    const inbound = (await messagesOf(gia.psid)).filter((m) => m.direction === 'in').map((m) => `${m.text ?? ''} ${m.content ?? ''}`);
    expect(inbound[0]).toContain('GET_STARTED');
    expect(inbound[1]).toContain('TRACK_ORDER');
    expect(inbound[2]).toContain('TRACK_ORDER');
    await eventually(async () => pageItems(gia.psid).length >= 1, 10_000); // the bot answered the customer's choices
  });

  it("should deliver nothing while the Page's subscription lacks messages, until ccm's check re-subscribes it", async () => {
    const { body: sid } = await api('POST', '/customers', { name: 'Sid' });
    await waitForIdle(h);
    await sim.delivery.drain(); // earlier tests' echoes and receipts are out
    expect((await api('PUT', '/faults', { subscriptionLapsed: true })).body).toMatchObject({ subscriptionLapsed: true });
    const attempts = sim.delivery.attempts.length;
    await api('POST', `/customers/${sid.psid}/messages`, { text: 'is anyone there?' });
    await sim.delivery.drain();
    expect(sim.delivery.attempts.length).toBe(attempts); // Meta sends no webhook for a field the Page is not subscribed to
    expect(await messagesOf(sid.psid)).toEqual([]);
    // ccm's subscription check sees the gap (health degraded), and with FACEBOOK_AUTO_SUBSCRIBE subscribes again.
    const verdict = await h.app.get(SubscriptionHealthService).check(PAGE_ID);
    expect(verdict.ok).toBe(true); // re-subscribed within the check
    expect(sim.graph.requests.some((r) => r.method === 'POST' && r.path === `/${PAGE_ID}/subscribed_apps` && r.status === 200)).toBe(true);
    expect((await api('GET', '/faults')).body).toMatchObject({ subscriptionLapsed: false });
    await api('POST', `/customers/${sid.psid}/messages`, { text: 'hello again' });
    await eventually(async () => (await messagesOf(sid.psid)).some((m) => m.text === 'hello again'), 10_000);
  });

  it('should turn a comment on the Page post into a feed webhook and show the public and private replies', async () => {
    // The bot answers a comment publicly, under it.
    const { body: ed } = await api('POST', '/customers', { name: 'Ed' });
    const { status, body: comment } = await api('POST', `/customers/${ed.psid}/comments`, { message: 'where is my order' });
    expect(status).toBe(201);
    const publicReply = await eventually(async () => sim.allComments().find((c) => c.fromPage && c.parentId === comment.id), 15_000);
    expect(publicReply).toMatchObject({ fromName: 'Shoe Shop', message: expect.stringMatching(/\S/) });
    expect((await api('GET', '/state')).body.comments).toContainEqual(publicReply);

    // An agent answers another commenter privately: it lands in their Messenger thread, marked as such.
    const { body: flo } = await api('POST', '/customers', { name: 'Flo' });
    const { body: asking } = await api('POST', `/customers/${flo.psid}/comments`, { message: 'I want to talk to a human' });
    const agent = await createAgent(h, 'comment-agent');
    const queued = await eventually(async () => {
      const c = await h.persistence.repos.conversations.findByKey({
        channel: 'facebook-comments',
        pageId: PAGE_ID,
        customerId: `${sim.postId}:user-${flo.psid}`,
      });
      return c?.state === 'QUEUED' ? c : undefined;
    }, 15_000);
    expect((await agent.api(`/api/conversations/${queued.id}/accept`, { method: 'POST' })).status).toBe(200);
    const sent = await agent.api(`/api/conversations/${queued.id}/channel-actions`, {
      body: { action: 'private_reply', text: 'Hi Flo, I can help you here.' },
    });
    expect(sent.status).toBe(200);
    const privateReply = await eventually(async () => pageItems(flo.psid).find((i) => i.privateReplyTo === asking.id), 10_000);
    expect(privateReply.message).toMatchObject({ text: 'Hi Flo, I can help you here.' });
  });

  it('should switch faults: duplicate deliveries are applied once, a 613 burst and transient errors are retried', async () => {
    const { body: fay } = await api('POST', '/customers', { name: 'Fay' });
    expect((await api('PUT', '/faults', { duplicateRate: 1, transientRate: 0.5 })).body).toMatchObject({
      duplicateRate: 1,
      transientRate: 0.5,
    });
    await api('POST', '/faults/rate-limit', { count: 3 });
    await api('POST', `/customers/${fay.psid}/messages`, { text: 'what are your opening hours' });
    await eventually(async () => pageItems(fay.psid).some((i) => String(i.message?.text).includes('Monday to Friday')), 20_000);
    await sim.delivery.drain();
    expect(sim.delivery.attempts.some((a) => a.duplicate)).toBe(true);
    const inbound = (await messagesOf(fay.psid)).filter((m) => m.direction === 'in');
    expect(inbound).toHaveLength(1);
    const refused = sim.graph.requests.filter((r) => r.status !== 200 && /messages$/.test(r.path));
    expect(refused.map((r) => (r.response as any).error.code)).toEqual(expect.arrayContaining([613]));
    await api('PUT', '/faults', { duplicateRate: 0, transientRate: 0 });
  });

  it('should deliver batches out of order and answer the Send API slowly when switched: ccm stores each message once and answers', async () => {
    const { body: ivy } = await api('POST', '/customers', { name: 'Ivy' });
    await waitForIdle(h);
    await sim.delivery.drain();
    expect((await api('PUT', '/faults', { reorderRate: 1, slowMs: 400 })).body).toMatchObject({ reorderRate: 1, slowMs: 400 });
    try {
      const attempts = sim.delivery.attempts.length;
      // The first message's batch is held back and goes out after the second's.
      await api('POST', `/customers/${ivy.psid}/messages`, { text: 'where is my order' });
      await api('POST', `/customers/${ivy.psid}/messages`, { text: 'what are your opening hours' });
      await sim.delivery.drain();
      const late = sim.delivery.attempts.slice(attempts).filter((a) => a.reordered);
      expect(late.length).toBeGreaterThanOrEqual(1);
      // A Send API call as ccm makes it takes the switched latency.
      const proof = createHmac('sha256', APP_SECRET).update(PAGE_TOKEN).digest('hex');
      await eventually(async () => (await messagesOf(ivy.psid)).filter((m) => m.direction === 'in').length === 2, 10_000);
      const slowSend = Date.now();
      await fetch(`${sim.graphUrl}/me/messages?access_token=${PAGE_TOKEN}&appsecret_proof=${proof}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recipient: { id: ivy.psid }, messaging_type: 'RESPONSE', message: { text: 'slow' } }),
      });
      expect(Date.now() - slowSend).toBeGreaterThanOrEqual(390);
      // Both messages stored once, both answered (the bot's replies came through the slow Send API).
      await eventually(
        async () =>
          pageItems(ivy.psid).some((i) => String(i.message?.text).includes('Monday to Friday')) &&
          pageItems(ivy.psid).some((i) => /order/i.test(JSON.stringify(i.message))),
        20_000,
      );
      const inbound = (await messagesOf(ivy.psid)).filter((m) => m.direction === 'in').map((m) => m.text);
      expect(inbound.sort()).toEqual(['what are your opening hours', 'where is my order']);
    } finally {
      await api('PUT', '/faults', { reorderRate: 0, slowMs: 0 });
    }
  });

  it('should refuse sends with 190 while the token is switched to expired, and accept them again after', async () => {
    await api('PUT', '/faults', { tokenExpired: true });
    const refused = await fetch(`${sim.graphUrl}/me?access_token=${PAGE_TOKEN}`);
    expect(((await refused.json()) as any).error.code).toBe(190);
    await api('PUT', '/faults', { tokenExpired: false });
    const proof = createHmac('sha256', APP_SECRET).update(PAGE_TOKEN).digest('hex');
    expect((await fetch(`${sim.graphUrl}/me?access_token=${PAGE_TOKEN}&appsecret_proof=${proof}`)).status).toBe(200);
    expect((await api('PUT', '/faults', { slowMs: 'soon' })).status).toBe(400);
  });

  it('should enforce the 24-hour window per (Page, PSID) from the events it delivered', async () => {
    /** A Send API call as ccm makes it, with the given Page's token. */
    const send = async (psid: string, token = PAGE_TOKEN) => {
      const proof = createHmac('sha256', APP_SECRET).update(token).digest('hex');
      const response = await fetch(`${sim.graphUrl}/me/messages?access_token=${token}&appsecret_proof=${proof}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'from the Page' } }),
      });
      return { status: response.status, error: ((await response.json()) as any).error };
    };
    // A customer who has not written yet: Meta knows no such PSID for the Page.
    const { body: gus } = await api('POST', '/customers', { name: 'Gus' });
    expect(await send(gus.psid)).toMatchObject({ status: 400, error: { code: 100, error_subcode: 2018001 } });
    // Their message, delivered 25 hours ago: the window it opened is closed.
    await api('POST', `/customers/${gus.psid}/messages`, { text: 'hi', ageHours: 25 });
    await sim.delivery.drain();
    expect(await send(gus.psid)).toMatchObject({ status: 400, error: { code: 10, error_subcode: 2018278 } });
    // A message now opens it for this Page only; the other Page of the app still may not write to them.
    await api('POST', `/customers/${gus.psid}/messages`, { text: 'hi again' });
    expect(await send(gus.psid)).toMatchObject({ status: 200, error: undefined });
    expect(await send(gus.psid, OTHER_PAGE_TOKEN)).toMatchObject({ status: 400, error: { code: 100, error_subcode: 2018001 } });
    expect(sim.graph.lastCustomerActivity(OTHER_PAGE_ID, gus.psid)).toBeUndefined();
  });

  it('should show a file the Page sends by reusable attachment id as the file it names', async () => {
    const { body: hu } = await api('POST', '/customers', { name: 'Hu' });
    await api('POST', `/customers/${hu.psid}/messages`, { text: 'can I have the invoice?' });
    const proof = createHmac('sha256', APP_SECRET).update(PAGE_TOKEN).digest('hex');
    const graph = async (path: string, body: unknown) =>
      (await (
        await fetch(`${sim.graphUrl}${path}?access_token=${PAGE_TOKEN}&appsecret_proof=${proof}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as any;
    const url = 'https://files.example/invoice-4711.pdf';
    const { attachment_id } = await graph('/me/message_attachments', {
      message: { attachment: { type: 'file', payload: { url, is_reusable: true } } },
    });
    const sent = await graph('/me/messages', {
      recipient: { id: hu.psid },
      messaging_type: 'RESPONSE',
      message: { attachment: { type: 'file', payload: { attachment_id } } },
    });
    const shown = pageItems(hu.psid).find((i) => i.mid === sent.message_id);
    expect(shown?.message).toEqual({ attachment: { type: 'file', payload: { attachment_id, url } } });
  });
});
