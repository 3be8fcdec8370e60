import { randomBytes } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyTimestampedSignature } from '@app/core';
import { webhookEnvelope } from '@app/graph-double';
import { HttpBotDouble, RasaDouble } from '@app/testing';
import { PAGE_ID, CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { spawnCcm } from '../helpers/ccm-process';
import { testPsid } from '../helpers/fixtures';

const ERROR_TEXT = 'Oops, our assistant is unavailable. A colleague will help you.';
const HANDOVER_TEXT = 'One moment, a colleague will take over.';
const RASA_TOKEN = 'rasa-auth-token-123';
const BOT_SECRET = 'http-bot-secret-0123456789';
// No agent desk is open in these tests, so the queue notice is the no-agent one; position texts off.
const MESSAGES = { ERROR_MESSAGE_RESPONSE: ERROR_TEXT, NO_AGENT_MESSAGE: HANDOVER_TEXT, QUEUE_POSITION_MESSAGE: '(#{position})' };
const QUEUED_NOTICE = `${HANDOVER_TEXT} (#1)`;

/** The customer taps a button (Messenger postback with its title and payload). */
async function tap(h: CcmHarness, psid: string, title: string, payload: string): Promise<void> {
  const timestamp = Date.now();
  h.graph.noteCustomerActivity(psid, timestamp);
  const item = {
    sender: { id: psid },
    recipient: { id: PAGE_ID },
    timestamp,
    postback: { mid: `m_pb_${randomBytes(6).toString('hex')}`, title, payload },
  };
  const response = await h.simulator.post(webhookEnvelope([{ pageId: PAGE_ID, messaging: [item] }]));
  expect(response.status).toBe(200);
}

async function say(h: CcmHarness, psid: string, text: string): Promise<void> {
  const { response } = await h.simulator.sendText(psid, text);
  expect(response.status).toBe(200);
}

function conversationOf(h: CcmHarness, psid: string) {
  return h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: psid });
}

/** The Send API `message` objects the Graph double received for `psid`, once there are `count` of them. */
async function sent(h: CcmHarness, psid: string, count: number, timeoutMs = 3000): Promise<Record<string, unknown>[]> {
  await h.graph.waitFor(() => h.graph.sentMessages(psid).length >= count, timeoutMs);
  return h.graph.sentMessages(psid).map((r) => (r.body as { message: Record<string, unknown> }).message);
}

describe('Rasa connector (BOT_CONNECTOR=rasa) against the Rasa double', () => {
  let rasa: RasaDouble;
  let h: CcmHarness;

  beforeEach(async () => {
    rasa = await RasaDouble.start(undefined, RASA_TOKEN);
    h = await startCcm({ env: { ...MESSAGES, BOT_CONNECTOR: 'rasa', RASA_URL: rasa.url, RASA_TOKEN } });
  });
  afterEach(async () => {
    await h.close();
    await rasa.stop();
  });

  it('should answer a confident turn with Rasa\'s text and buttons, follow a tapped "/intent" button, and hand a low-confidence turn to an agent', async () => {
    await say(h, testPsid('rasa-1'), 'hello');
    const greeting = await sent(h, testPsid('rasa-1'), 2);
    expect(greeting[0]).toMatchObject({ text: 'Hi! I am the Rasa assistant.' });
    expect(greeting[1]).toMatchObject({
      attachment: {
        type: 'template',
        payload: {
          template_type: 'button',
          text: 'What can I do for you?',
          buttons: [
            { type: 'postback', title: 'Track my order', payload: '/order_status' },
            { type: 'postback', title: 'Opening hours', payload: '/opening_hours' },
          ],
        },
      },
    });
    const conversation = await conversationOf(h, testPsid('rasa-1'));
    expect(conversation?.state).toBe('BOT');
    // One NLU parse and one REST-channel turn, keyed by the conversation, with Rasa's token auth.
    expect(rasa.requests.map((r) => [r.path, r.query.get('token')]).sort()).toEqual([
      ['/model/parse', RASA_TOKEN],
      ['/webhooks/rest/webhook', RASA_TOKEN],
    ]);
    expect(rasa.restMessages[0]).toMatchObject({ sender: conversation!.id, message: 'hello' });

    // The tapped button's payload goes to Rasa as the message, as in Rasa's own channels.
    await tap(h, testPsid('rasa-1'), 'Track my order', '/order_status');
    const order = await sent(h, testPsid('rasa-1'), 4);
    expect(rasa.restMessages[1]).toMatchObject({ sender: conversation!.id, message: '/order_status' });
    expect(order[2]).toMatchObject({ text: 'Your order is on its way.' });
    expect(order[3]).toMatchObject({ attachment: { type: 'image', payload: { url: 'https://cdn.example.com/truck.png' } } });

    // Rasa is only 30 % sure: under DEFAULT a person takes over and Rasa's guess is not sent.
    await say(h, testPsid('rasa-1'), 'refund');
    await sent(h, testPsid('rasa-1'), 5);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('rasa-1')).slice(4)).toEqual([QUEUED_NOTICE]);
    expect(await conversationOf(h, testPsid('rasa-1'))).toMatchObject({
      state: 'QUEUED',
      handover_reason: 'low confidence 0.30 < 0.60',
      bot_intent: 'refund',
    });
  });

  it('should queue a fresh conversation when Rasa answers with a custom hand-over payload', async () => {
    await say(h, testPsid('rasa-2'), 'human please');
    await sent(h, testPsid('rasa-2'), 1);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('rasa-2'))).toEqual([QUEUED_NOTICE]);
    expect(await conversationOf(h, testPsid('rasa-2'))).toMatchObject({
      state: 'QUEUED',
      handover_reason: 'customer asked for a person',
      bot_intent: 'human_handoff',
    });
  });
});

describe('generic HTTP bot (BOT_CONNECTOR=http) against the HTTP bot double', () => {
  let bot: HttpBotDouble;
  let h: CcmHarness;
  const logs: string[] = [];

  beforeEach(async () => {
    logs.length = 0;
    bot = await HttpBotDouble.start(BOT_SECRET);
    h = await startCcm({
      env: { ...MESSAGES, BOT_CONNECTOR: 'http', BOT_HTTP_URL: bot.url, BOT_HTTP_SECRET: BOT_SECRET },
      captureLogs: logs,
    });
  });
  afterEach(async () => {
    await h.close();
    await bot.stop();
  });

  it("should send signed turns with the customer text and conversation id, answer with the bot's rich messages, pass a tapped choice, and hand over a low-confidence turn", async () => {
    const before = Date.now();
    await say(h, testPsid('http-1'), 'hello');
    const greeting = await sent(h, testPsid('http-1'), 1);
    expect(greeting[0]).toMatchObject({
      attachment: {
        type: 'template',
        payload: {
          template_type: 'button',
          text: 'Hi from the HTTP bot! What do you need?',
          buttons: [{ type: 'postback', title: 'Opening hours', payload: 'HOURS' }],
        },
      },
    });
    const conversation = await conversationOf(h, testPsid('http-1'));
    expect(bot.badSignatures).toEqual([]);
    const [request] = bot.requests;
    const timestamp = request.headers[TIMESTAMP_HEADER] as string;
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(Date.now());
    expect(verifyTimestampedSignature(BOT_SECRET, timestamp, request.raw, request.headers[SIGNATURE_HEADER] as string)).toBe(true);
    expect(request.body).toEqual({
      version: 1,
      conversation: { id: conversation!.id, pageId: PAGE_ID, customerId: testPsid('http-1') },
      event: { type: 'text', text: 'hello' },
    });

    await tap(h, testPsid('http-1'), 'Opening hours', 'HOURS');
    await sent(h, testPsid('http-1'), 2);
    expect(bot.turns[1].event).toEqual({ type: 'choice', text: 'Opening hours', choice: { payload: 'HOURS' } });
    expect(h.graph.sentTexts(testPsid('http-1'))[1]).toBe('We are open 9:00 to 17:00.');

    await say(h, testPsid('http-1'), 'refund');
    await sent(h, testPsid('http-1'), 3);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('http-1')).slice(2)).toEqual([QUEUED_NOTICE]);
    expect(await conversationOf(h, testPsid('http-1'))).toMatchObject({ state: 'QUEUED', handover_reason: 'low confidence 0.25 < 0.60' });
  });

  it('should queue a fresh conversation when the bot asks for a hand-over', async () => {
    await say(h, testPsid('http-2'), 'human please');
    await sent(h, testPsid('http-2'), 1);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('http-2'))).toEqual([QUEUED_NOTICE]);
    expect(await conversationOf(h, testPsid('http-2'))).toMatchObject({
      state: 'QUEUED',
      handover_reason: 'customer asked for a person',
      bot_intent: 'human',
    });
  });

  it('should treat an answer that breaks the contract as a bot failure, logging why', async () => {
    await say(h, testPsid('http-3'), 'say something broken');
    await sent(h, testPsid('http-3'), 1);
    expect(h.graph.sentTexts(testPsid('http-3'))).toEqual([ERROR_TEXT]);
    const conversation = await conversationOf(h, testPsid('http-3'));
    expect(conversation).toMatchObject({
      state: 'QUEUED',
      handover_reason: 'bot failed: http bot: answer breaks the contract: confidence: must be a number in 0..1 (got "high")',
    });
    expect(
      logs.some(
        (l) =>
          l.startsWith('error') &&
          l.includes(`conversation ${conversation!.id}: bot failed: http bot: answer breaks the contract: confidence`),
      ),
    ).toBe(true);
  });
});

describe('generic HTTP bot with the wrong secret', () => {
  it('should be refused by the bot (401) and answer the customer with the error message', async () => {
    const bot = await HttpBotDouble.start(BOT_SECRET);
    const h = await startCcm({
      env: { ...MESSAGES, BOT_CONNECTOR: 'http', BOT_HTTP_URL: bot.url, BOT_HTTP_SECRET: 'not-the-bot-secret-000' },
    });
    try {
      await say(h, testPsid('http-4'), 'hello');
      await sent(h, testPsid('http-4'), 1);
      expect(h.graph.sentTexts(testPsid('http-4'))).toEqual([ERROR_TEXT]);
      expect(bot.badSignatures).toHaveLength(1);
      expect(await conversationOf(h, testPsid('http-4'))).toMatchObject({
        state: 'QUEUED',
        handover_reason: expect.stringContaining('answered HTTP 401'),
      });
    } finally {
      await h.close();
      await bot.stop();
    }
  });
});

describe.each(['rasa', 'http'] as const)('%s bot double down', (kind) => {
  let double: RasaDouble | HttpBotDouble;
  let h: CcmHarness;

  beforeEach(async () => {
    double = kind === 'rasa' ? await RasaDouble.start() : await HttpBotDouble.start(BOT_SECRET);
    const env =
      kind === 'rasa'
        ? { BOT_CONNECTOR: 'rasa', RASA_URL: double.url }
        : { BOT_CONNECTOR: 'http', BOT_HTTP_URL: double.url, BOT_HTTP_SECRET: BOT_SECRET };
    h = await startCcm({ env: { ...MESSAGES, ...env, BOT_TIMEOUT_MS: '400' } });
  });
  afterEach(async () => {
    await h.close();
    await double.stop();
  });

  it('should send ERROR_MESSAGE_RESPONSE and queue the conversation under DEFAULT when the bot is stopped, and use the bot again once it is back', async () => {
    await double.stop();
    await say(h, testPsid(`${kind}-down`), 'hello');
    await sent(h, testPsid(`${kind}-down`), 1);
    expect(h.graph.sentTexts(testPsid(`${kind}-down`))).toEqual([ERROR_TEXT]);
    expect(await conversationOf(h, testPsid(`${kind}-down`))).toMatchObject({
      state: 'QUEUED',
      handover_reason: expect.stringMatching(new RegExp(`^bot failed: ${kind} bot: .*unreachable`)),
    });

    await double.start(); // same port
    await say(h, testPsid(`${kind}-back`), 'hello');
    await sent(h, testPsid(`${kind}-back`), 1);
    expect(h.graph.sentTexts(testPsid(`${kind}-back`))[0]).not.toBe(ERROR_TEXT);
    expect((await conversationOf(h, testPsid(`${kind}-back`)))?.state).toBe('BOT');
  });

  it('should give up on a bot that does not answer within BOT_TIMEOUT_MS', async () => {
    double.fault = 'hang';
    // The hanging double never answers: only the deadline can produce this reply (no wall-clock
    // assertion, which a loaded machine would break).
    await say(h, testPsid(`${kind}-slow`), 'hello');
    await sent(h, testPsid(`${kind}-slow`), 1);
    expect(h.graph.sentTexts(testPsid(`${kind}-slow`))).toEqual([ERROR_TEXT]);
    expect(await conversationOf(h, testPsid(`${kind}-slow`))).toMatchObject({
      state: 'QUEUED',
      handover_reason: `bot failed: ${kind} bot: no answer within 400 ms`,
    });
  });
});

describe('circuit breaker around a failing bot', () => {
  let bot: HttpBotDouble;
  let h: CcmHarness;

  beforeEach(async () => {
    bot = await HttpBotDouble.start(BOT_SECRET);
    h = await startCcm({
      env: {
        ...MESSAGES,
        BOT_CONNECTOR: 'http',
        BOT_HTTP_URL: bot.url,
        BOT_HTTP_SECRET: BOT_SECRET,
        BOT_CIRCUIT_FAILURES: '2',
        BOT_CIRCUIT_COOLDOWN_MS: '1500',
      },
    });
  });
  afterEach(async () => {
    await h.close();
    await bot.stop();
  });

  it('should stop calling the bot after N consecutive failures and call it again after the cool-down', async () => {
    bot.fault = 'error';
    for (const psid of [testPsid('cb-1'), testPsid('cb-2')]) {
      await say(h, psid, 'hello');
      await sent(h, psid, 1);
      expect(h.graph.sentTexts(psid)).toEqual([ERROR_TEXT]);
    }
    expect(bot.requests).toHaveLength(2);
    const openedAt = Date.now();

    // Open: the customer still hears the error message and gets a person, but the bot is not called,
    // even though it has recovered in the meantime.
    bot.fault = null;
    await say(h, testPsid('cb-3'), 'hello');
    await sent(h, testPsid('cb-3'), 1);
    expect(h.graph.sentTexts(testPsid('cb-3'))).toEqual([ERROR_TEXT]);
    expect(await conversationOf(h, testPsid('cb-3'))).toMatchObject({
      state: 'QUEUED',
      handover_reason: expect.stringContaining('http bot: circuit open after 2 consecutive failures'),
    });
    expect(bot.requests).toHaveLength(2);

    // After the cool-down one trial call goes through; it succeeds and the circuit closes.
    await new Promise((r) => setTimeout(r, Math.max(0, openedAt + 1600 - Date.now())));
    for (const psid of [testPsid('cb-4'), testPsid('cb-5')]) {
      await say(h, psid, 'hello');
      await sent(h, psid, 1);
      expect(h.graph.sentMessages(psid)[0].body).toMatchObject({
        message: { attachment: { payload: { text: 'Hi from the HTTP bot! What do you need?' } } },
      });
    }
    expect(bot.requests).toHaveLength(4);
    await eventually(async () => (await conversationOf(h, testPsid('cb-5')))?.state === 'BOT');
  });
});

describe('bot connector startup checks', () => {
  jest.setTimeout(60_000);

  it('should refuse to start with BOT_CONNECTOR=rasa but no RASA_URL, naming the variable once', async () => {
    const child = spawnCcm({ BOT_CONNECTOR: 'rasa', BOT_HTTP_SECRET: 'hunter2x' });
    expect(await child.exited).not.toBe(0);
    const out = child.output();
    expect(out).toContain('Invalid configuration (2 problems)');
    expect(out).toContain('RASA_URL: must be set when BOT_CONNECTOR=rasa');
    expect(out).toContain('BOT_HTTP_SECRET: must be at least 16 characters');
    expect(out).not.toContain('hunter2x');
    expect(out.match(/RASA_URL/g)).toHaveLength(1);
  });
});
