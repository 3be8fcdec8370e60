import { createHmac } from 'node:crypto';
import { MessageRow } from '@app/persistence';
import { MessengerSimulatorServer } from '../../apps/simulator/src/simulator';
import { APP_SECRET, CcmHarness, eventually, PAGE_ID, PAGE_TOKEN, startCcm } from '../helpers/ccm-harness';

/**
 * The Messenger simulator (apps/simulator) against the real ccm: everything goes through its HTTP API
 * (the one its page uses) and through ccm's webhook, signed and batched like Meta's.
 */
describe('Messenger simulator against ccm', () => {
  jest.setTimeout(60_000);
  let sim: MessengerSimulatorServer;
  let h: CcmHarness;

  beforeAll(async () => {
    sim = await MessengerSimulatorServer.start({
      appSecret: APP_SECRET,
      pages: [{ pageId: PAGE_ID, accessToken: PAGE_TOKEN, name: 'Shoe Shop' }],
    });
    h = await startCcm({ graph: sim.graph, env: { OUTBOX_RETRY_BASE_MS: '20', OUTBOX_RETRY_CAP_MS: '200', OUTBOX_MAX_ATTEMPTS: '30' } });
    sim.setWebhookUrl(`${h.url}/ccm/webhook`);
  });
  afterAll(async () => {
    await h?.close();
    await sim?.stop();
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
  });

  it('should upload an image the customer sends and hand ccm a URL that serves it', async () => {
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
  });

  it('should turn a comment on the Page post into a feed webhook and show the public and private replies', async () => {
    const { body: ed } = await api('POST', '/customers', { name: 'Ed' });
    const { status, body: comment } = await api('POST', `/customers/${ed.psid}/comments`, { message: 'where is my order' });
    expect(status).toBe(201);
    await eventually(
      async () => sim.allComments().some((c) => c.fromPage && c.parentId === comment.id) || pageItems(ed.psid).length > 0,
      15_000,
    );
    const publicReplies = sim.allComments().filter((c) => c.fromPage && c.parentId === comment.id);
    const privateReplies = pageItems(ed.psid).filter((i) => i.privateReplyTo === comment.id);
    expect(publicReplies.length + privateReplies.length).toBeGreaterThan(0);
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
    const { body: gus } = await api('POST', '/customers', { name: 'Gus' });
    sim.graph.noteCustomerActivity(gus.psid, Date.now() - 25 * 3600_000, { pageId: PAGE_ID });
    expect(sim.graph.lastCustomerActivity(PAGE_ID, gus.psid)).toBeLessThan(Date.now() - 24 * 3600_000);
    expect(sim.graph.lastCustomerActivity('999', gus.psid)).toBeUndefined();
    const proof = createHmac('sha256', APP_SECRET).update(PAGE_TOKEN).digest('hex');
    const late = await fetch(`${sim.graphUrl}/me/messages?access_token=${PAGE_TOKEN}&appsecret_proof=${proof}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: { id: gus.psid }, messaging_type: 'RESPONSE', message: { text: 'late' } }),
    });
    expect(((await late.json()) as any).error).toMatchObject({ code: 10, error_subcode: 2018278 });
    await api('POST', `/customers/${gus.psid}/messages`, { text: 'hi' });
    expect(sim.graph.lastCustomerActivity(PAGE_ID, gus.psid)).toBeGreaterThan(Date.now() - 60_000);
    expect(sim.graph.lastCustomerActivity('999', gus.psid)).toBeUndefined();
  });
});
