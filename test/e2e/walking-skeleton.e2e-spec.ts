import { BOT_CONNECTOR, BotConnector } from '@app/bot';
import { PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const ERROR_TEXT = 'Oops, our side failed. Please retry.';
const HANDOVER_TEXT = 'One moment, a colleague will take over.';

async function countRows(h: CcmHarness) {
  const conversations = await h.persistence.db
    .selectFrom('conversations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const messages = await h.persistence.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const journal = await h.persistence.db
    .selectFrom('inbound_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { conversations: Number(conversations.n), messages: Number(messages.n), journal: Number(journal.n) };
}

describe.each(['sqlite', 'postgres'] as const)('walking skeleton on %s', (dialect) => {
  let h: CcmHarness;

  beforeEach(async () => {
    h = await startCcm({ dialect, env: { ERROR_MESSAGE_RESPONSE: ERROR_TEXT, HANDOVER_MESSAGE: HANDOVER_TEXT } });
  });
  afterEach(() => h.close());

  it('should answer a signed text with the bot reply through the Send API within a second, and persist both', async () => {
    const started = Date.now();
    const { response, mid } = await h.simulator.sendText(testPsid('alice'), 'where is my order');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('EVENT_RECEIVED');

    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('alice')).length > 0, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    const [send] = h.graph.sentMessages(testPsid('alice'));
    expect(send.accessToken).toBe(PAGE_TOKEN);
    expect(send.query.appsecret_proof).toMatch(/^[0-9a-f]{64}$/);
    expect(send.query.access_token).toBeUndefined(); // the token travels in a header, never in the URL
    expect(send.body).toMatchObject({
      recipient: { id: testPsid('alice') },
      messaging_type: 'RESPONSE',
      message: { text: expect.stringContaining('track your order') },
    });

    const conversation = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: PAGE_ID,
      customerId: testPsid('alice'),
    });
    expect(conversation).toMatchObject({ state: 'BOT' });
    const messages = await eventually(async () => {
      const rows = await h.persistence.repos.messages.listForConversation(conversation!.id);
      return rows.length === 2 && rows[1].status === 'sent' ? rows : undefined;
    });
    expect(messages[0]).toMatchObject({ direction: 'in', author: 'customer', text: 'where is my order', mid, status: 'received' });
    expect(messages[1]).toMatchObject({
      direction: 'out',
      author: 'bot',
      status: 'sent',
      mid: (send.response as { message_id: string }).message_id,
    });
  });

  it('should queue an unclassifiable message for agents under DEFAULT and tell the customer', async () => {
    await h.simulator.sendText(testPsid('bob'), 'the quantum flux capacitor exploded yesterday');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('bob')).length > 0, 2000);
    // No agent is signed in yet, so the customer is told that too, with their place in the queue.
    expect(h.graph.sentTexts(testPsid('bob'))).toEqual([
      expect.stringMatching(/^No colleague is available right now\..* You are number 1 in the queue\.$/),
    ]);
    const conversation = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: PAGE_ID,
      customerId: testPsid('bob'),
    });
    expect(conversation).toMatchObject({ state: 'QUEUED', handover_reason: expect.stringMatching(/^low confidence 0\.\d\d < 0\.60$/) });
    const queue = await h.persistence.repos.conversations.listByState('QUEUED');
    expect(queue.map((c) => c.customer_id)).toEqual([testPsid('bob')]);
  });

  it('should return 403 and store nothing for a bad or missing signature', async () => {
    const body = {
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: 1,
          messaging: [{ sender: { id: testPsid('x') }, recipient: { id: PAGE_ID }, timestamp: 1, message: { mid: 'm_bad', text: 'hi' } }],
        },
      ],
    };
    const bad = await h.simulator.post(body, `sha256=${'0'.repeat(64)}`);
    const missing = await h.simulator.post(body, null);
    expect([bad.status, missing.status]).toEqual([403, 403]);
    await waitForIdle(h);
    expect(await countRows(h)).toEqual({ conversations: 0, messages: 0, journal: 0 });
    expect(h.graph.requests).toHaveLength(0);
  });

  it('should store one message and send one reply when Meta delivers the same webhook twice', async () => {
    const timestamp = Date.now();
    const first = await h.simulator.sendText(testPsid('carol'), 'hello', { mid: 'm_dup_1', timestamp });
    const second = await h.simulator.sendText(testPsid('carol'), 'hello', { mid: 'm_dup_1', timestamp });
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('carol')).length > 0, 2000);
    await waitForIdle(h);
    expect(h.graph.sentMessages(testPsid('carol'))).toHaveLength(1);
    const conversation = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: PAGE_ID,
      customerId: testPsid('carol'),
    });
    const inbound = (await h.persistence.repos.messages.listForConversation(conversation!.id)).filter((m) => m.direction === 'in');
    expect(inbound).toHaveLength(1);
  });
});

describe('routing policy BOT_ONLY', () => {
  let h: CcmHarness;
  beforeEach(async () => {
    h = await startCcm({ env: { FB_ROUTING_POLICY: 'BOT_ONLY', HANDOVER_MESSAGE: HANDOVER_TEXT } });
  });
  afterEach(() => h.close());

  it('should send the fallback answer and queue nothing when the bot cannot classify', async () => {
    await h.simulator.sendText(testPsid('dan'), 'the quantum flux capacitor exploded yesterday');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('dan')).length > 0, 2000);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('dan'))).toEqual([expect.stringContaining('Sorry, I did not quite get that')]);
    expect(await h.persistence.repos.conversations.listByState('QUEUED')).toEqual([]);
    const conversation = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: PAGE_ID,
      customerId: testPsid('dan'),
    });
    expect(conversation?.state).toBe('BOT');
  });
});

describe('when handling fails', () => {
  let h: CcmHarness;
  const failingBot: BotConnector = {
    name: 'failing',
    reply: async () => {
      throw new Error('bot backend unreachable');
    },
  };
  beforeEach(async () => {
    h = await startCcm({ env: { ERROR_MESSAGE_RESPONSE: ERROR_TEXT }, overrides: [{ provide: BOT_CONNECTOR, useValue: failingBot }] });
  });
  afterEach(() => h.close());

  it('should send ERROR_MESSAGE_RESPONSE to the customer', async () => {
    await h.simulator.sendText(testPsid('erin'), 'hello');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('erin')).length > 0, 2000);
    expect(h.graph.sentTexts(testPsid('erin'))).toEqual([ERROR_TEXT]);
    // Under DEFAULT a person takes over when the bot is down.
    const conversation = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: PAGE_ID,
      customerId: testPsid('erin'),
    });
    expect(conversation).toMatchObject({ state: 'QUEUED', handover_reason: 'bot failed: bot backend unreachable' });
  });
});

describe('webhook verification handshake', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm();
  });
  afterAll(() => h.close());

  it('should echo hub.challenge for the right verify token', async () => {
    const response = await fetch(`${h.url}/ccm/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('1158201444');
  });

  it('should refuse a wrong token or mode with 403 and missing parameters with 400', async () => {
    const wrong = await fetch(`${h.url}/ccm/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    const mode = await fetch(`${h.url}/ccm/webhook?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`);
    const missing = await fetch(`${h.url}/ccm/webhook`);
    expect([wrong.status, mode.status, missing.status]).toEqual([403, 403, 400]);
  });
});
