import { createHmac } from 'node:crypto';
import { ChannelRegistry, InboundIntakeService } from '@app/conversations';
import { signWebhookBody, textMessageItem, webhookEnvelope } from '@app/graph-double';
import { APP_SECRET, PAGE_ID, CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';

async function rows(h: CcmHarness): Promise<number> {
  const r = await h.persistence.db
    .selectFrom('inbound_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function postRaw(h: CcmHarness, raw: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${h.url}/ccm/webhook`, { method: 'POST', headers, body: raw });
}

describe('webhook hard edges', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm();
  });
  afterAll(() => h.close());

  it('should refuse a body over 1 MB with 413 and store nothing', async () => {
    const big = JSON.stringify(
      webhookEnvelope([{ pageId: PAGE_ID, messaging: [textMessageItem(PAGE_ID, testPsid('big'), 'x'.repeat(1_100_000))] }]),
    );
    const response = await postRaw(h, big, { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(big, APP_SECRET) });
    expect(response.status).toBe(413);
    expect(await rows(h)).toBe(0);
  });

  it('should answer 400 to a signed body that is not JSON, or not a webhook', async () => {
    for (const raw of ['not json at all', '[1,2,3]', '{"object":"page"}', '{"object":"page","entry":{}}', '']) {
      const response = await postRaw(h, raw, {
        'content-type': 'application/json',
        'x-hub-signature-256': signWebhookBody(raw, APP_SECRET),
      });
      expect({ raw, status: response.status }).toEqual({ raw, status: 400 });
    }
    const text = await postRaw(h, 'hello', { 'content-type': 'text/plain', 'x-hub-signature-256': signWebhookBody('hello', APP_SECRET) });
    expect(text.status).toBe(400);
    expect(await rows(h)).toBe(0);
  });

  it('should check the signature before parsing: unsigned garbage is 403, not 400', async () => {
    const response = await postRaw(h, '{broken', { 'content-type': 'application/json' });
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('{broken');
  });

  it('should answer 404 for an object other than page or instagram', async () => {
    const raw = JSON.stringify({ object: 'user', entry: [] });
    const response = await postRaw(h, raw, { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(raw, APP_SECRET) });
    expect(response.status).toBe(404);
  });

  it('should refuse the legacy SHA-1 signature unless it is enabled', async () => {
    const raw = JSON.stringify(webhookEnvelope([{ pageId: PAGE_ID, messaging: [textMessageItem(PAGE_ID, testPsid('sha1'), 'hello')] }]));
    const sha1 = `sha1=${createHmac('sha1', APP_SECRET).update(raw).digest('hex')}`;
    const response = await postRaw(h, raw, { 'content-type': 'application/json', 'x-hub-signature': sha1 });
    expect(response.status).toBe(403);
  });
});

describe('legacy SHA-1 signature when enabled', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({ env: { FACEBOOK_ACCEPT_SHA1_SIGNATURE: 'true' } });
  });
  afterAll(() => h.close());

  it('should accept X-Hub-Signature sha1 and still prefer a present SHA-256 header', async () => {
    const raw = JSON.stringify(webhookEnvelope([{ pageId: PAGE_ID, messaging: [textMessageItem(PAGE_ID, testPsid('sha1'), 'hello')] }]));
    const sha1 = `sha1=${createHmac('sha1', APP_SECRET).update(raw).digest('hex')}`;
    expect((await postRaw(h, raw, { 'content-type': 'application/json', 'x-hub-signature': sha1 })).status).toBe(200);
    const badSha256 = await postRaw(h, raw, {
      'content-type': 'application/json',
      'x-hub-signature': sha1,
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    });
    expect(badSha256.status).toBe(403);
  });
});

describe('poison events (PostgreSQL refuses NUL characters in text)', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({
      dialect: 'postgres',
      env: { INBOUND_RETRY_BASE_MS: '50', ADMIN_API_KEY: ADMIN_KEY, ERROR_MESSAGE_RESPONSE: 'Sorry, that failed.' },
    });
  });
  afterAll(() => h.close());

  it('should retry a failing event a bounded number of times, park it as dead, tell the customer, and not block later events', async () => {
    // U+0000 is removed at the webhook edge now (edge-input.e2e-spec); an event that reaches the
    // journal with it anyway (as a channel module could hand one over) still poisons its processing.
    const messenger = h.app
      .get(ChannelRegistry)
      .adapters()
      .find((a) => a.channel === 'messenger')!;
    const { events } = await messenger.webhook!.map('page', [
      { id: PAGE_ID, time: Date.now(), messaging: [textMessageItem(PAGE_ID, testPsid('poison'), 'bad \u0000 byte')] },
    ]);
    await h.app.get(InboundIntakeService).accept(events);
    await h.simulator.sendText(testPsid('poison'), 'where is my order');
    const dead = await eventually(
      async () => {
        const r = await fetch(`${h.url}/api/admin/inbound/dead`, { headers: { 'x-admin-key': ADMIN_KEY } });
        const list = (await r.json()) as { id: number; attempts: number; lastError: string }[];
        return list.length === 1 ? list : undefined;
      },
      10_000,
      100,
    );
    expect(dead[0]).toMatchObject({ attempts: 5, lastError: expect.stringMatching(/0x00|invalid byte sequence|null character/i) });

    await h.graph.waitFor(() => h.graph.sentTexts(testPsid('poison')).length === 2, 5000);
    expect(h.graph.sentTexts(testPsid('poison'))).toEqual(['Sorry, that failed.', expect.stringContaining('track your order')]);
    expect((await (await fetch(`${h.url}/health`)).json()) as object).toMatchObject({ status: 'degraded', inbound: { dead: 1 } });

    const replay = await fetch(`${h.url}/api/admin/inbound/${dead[0].id}/replay`, {
      method: 'POST',
      headers: { 'x-admin-key': ADMIN_KEY },
    });
    expect(replay.status).toBe(202);
    expect((await h.persistence.repos.journal.countByStatus()).dead ?? 0).toBeLessThanOrEqual(1);
    await waitForIdle(h);
  });

  it('should refuse the admin API without the key', async () => {
    expect((await fetch(`${h.url}/api/admin/inbound/dead`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/admin/inbound/dead`, { headers: { 'x-admin-key': 'wrong-key-wrong-key-wrong' } })).status).toBe(401);
  });
});
