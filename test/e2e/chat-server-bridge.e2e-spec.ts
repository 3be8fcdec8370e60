import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { callApi } from '../helpers/agent-desk-client';
import { ChatServerReceiver } from '../helpers/chat-server-receiver';
import { testPsid } from '../helpers/fixtures';

const SECRET = 'chat-server-signing-secret';
const API_KEY = 'chat-server-api-key-0123';

describe.each(['sqlite', 'postgres'] as const)('external chat-server bridge on %s', (dialect) => {
  let h: CcmHarness;
  let receiver: ChatServerReceiver;
  const asChatServer = (path: string, body?: unknown) =>
    callApi(h, path, { body, headers: { 'x-api-key': API_KEY, 'x-agent-id': 'cc-agent-7' } });

  beforeEach(async () => {
    receiver = new ChatServerReceiver(SECRET);
    await receiver.start();
    h = await startCcm({
      dialect,
      env: {
        AGENT_BRIDGE: 'external',
        CHAT_SERVER_URL: receiver.url,
        CHAT_SERVER_SECRET: SECRET,
        CHAT_SERVER_API_KEY: API_KEY,
        CHAT_SERVER_RETRY_BASE_MS: '50',
        CHAT_SERVER_RETRY_MAX_MS: '400',
        CHAT_SERVER_TIMEOUT_MS: '1000',
      },
    });
  });
  afterEach(async () => {
    await h.close();
    await receiver.stop();
  });

  it('should post signed events, and lose none while the chat server is down', async () => {
    // Hand-over with transcript and profile.
    await h.simulator.sendText(testPsid('ext'), 'I want to talk to an agent');
    const handover = await eventually(async () => receiver.events.find((e) => e.type === 'conversation.handover'), 5000);
    expect(handover).toMatchObject({
      conversation: {
        state: 'QUEUED',
        customerId: testPsid('ext'),
        handoverReason: 'customer asked for a person',
        bot: { intent: 'human' },
      },
      customer: {
        id: testPsid('ext'),
        firstName: 'Customer', // the double names a numeric PSID "Customer <last 4 digits>"
        pictureUrl: expect.stringMatching(new RegExp(`/_double/avatar/${testPsid('ext')}\\.svg$`)),
      },
      transcript: [{ author: 'customer', text: 'I want to talk to an agent' }],
    });
    const conversationId = handover.conversation.id;

    // The chat server acts through the REST API with its key.
    expect((await asChatServer(`/api/conversations/${conversationId}/accept`, {})).body).toMatchObject({
      state: 'AGENT',
      assignedAgentId: 'ext:cc-agent-7',
    });
    expect((await asChatServer(`/api/conversations/${conversationId}/messages`, { text: 'Hi, this is Kim from support.' })).status).toBe(
      201,
    );
    await eventually(async () => h.graph.sentTexts(testPsid('ext')).includes('Hi, this is Kim from support.'), 5000);
    await h.simulator.sendText(testPsid('ext'), 'hello Kim');
    await eventually(async () => receiver.events.some((e) => e.type === 'message.created' && e.message?.text === 'hello Kim'), 5000);
    expect(receiver.events.filter((e) => e.type === 'message.created').map((e) => e.message?.author)).toEqual(['customer']); // agent messages are not echoed

    // The chat server goes down; the customer keeps writing and the conversation is closed meanwhile.
    await receiver.stop();
    for (const text of ['are you there?', 'my order is 4711', 'please hurry']) await h.simulator.sendText(testPsid('ext'), text);
    await eventually(async () => (await h.persistence.repos.bridgeOutbox.list()).filter((e) => e.status === 'pending').length === 3, 5000);
    expect((await asChatServer(`/api/conversations/${conversationId}/close`, {})).body).toMatchObject({ state: 'CLOSED' });
    // While it is down the oldest event is retried again and again (no fixed wait: until it has been).
    const stillDown = async () => (await h.persistence.repos.bridgeOutbox.list()).filter((e) => e.status === 'pending');
    await eventually(async () => (await stillDown())[0]?.attempts >= 5, 10_000);
    const pending = await stillDown();
    expect(pending).toHaveLength(4);
    // The oldest event was retried all along; the later ones wait behind it, so order is kept.
    expect(pending[0].attempts).toBeGreaterThanOrEqual(5);
    expect(pending.slice(1).map((e) => e.attempts)).toEqual([0, 0, 0]);

    // It comes back: everything arrives, in order, exactly once at the receiver.
    await receiver.start();
    await eventually(async () => receiver.events.some((e) => e.type === 'conversation.closed'), 5000);
    expect(receiver.events.map((e) => (e.type === 'message.created' ? e.message?.text : e.type))).toEqual([
      'conversation.handover',
      'hello Kim',
      'are you there?',
      'my order is 4711',
      'please hurry',
      'conversation.closed',
    ]);
    expect(receiver.events.at(-1)).toMatchObject({ closed: { outcome: 'closed', by: 'ext:cc-agent-7' } });
    expect(receiver.badSignatures).toEqual([]);
    // ccm marks an event delivered once it has the receiver's answer (just after the receiver recorded it).
    await eventually(async () => (await h.persistence.repos.bridgeOutbox.list()).every((e) => e.status === 'delivered'), 3000);
  }, 30_000);

  it('should refuse a wrong API key and route nothing to embedded agents', async () => {
    expect((await callApi(h, '/api/conversations?state=queued', { headers: { 'x-api-key': 'not-the-key-0000000' } })).status).toBe(401);
    await h.simulator.sendText(testPsid('ext-2'), 'I want to talk to an agent');
    await eventually(async () => receiver.events.length === 1, 5000);
    expect((await asChatServer('/api/conversations?state=queued')).body.map((c: { customer: { id: string } }) => c.customer.id)).toEqual([
      testPsid('ext-2'),
    ]);
  });
});

describe('external chat-server bridge: giving up', () => {
  let h: CcmHarness;
  let receiver: ChatServerReceiver;

  beforeEach(async () => {
    receiver = new ChatServerReceiver(SECRET);
    await receiver.start();
    h = await startCcm({
      env: {
        AGENT_BRIDGE: 'external',
        CHAT_SERVER_URL: receiver.url,
        CHAT_SERVER_SECRET: SECRET,
        CHAT_SERVER_API_KEY: API_KEY,
        CHAT_SERVER_RETRY_BASE_MS: '50',
        CHAT_SERVER_RETRY_MAX_MS: '200',
        CHAT_SERVER_MAX_ATTEMPTS: '3',
      },
    });
  });
  afterEach(async () => {
    await h.close();
    await receiver.stop();
  });

  it('should park a refused (4xx) event at once and a failing (5xx) one after the attempts, without blocking the conversation', async () => {
    receiver.answerWith = (event) => (event.message?.text === 'refuse me' ? 422 : event.message?.text === 'flaky' ? 503 : 204);
    await h.simulator.sendText(testPsid('give-up'), 'I want to talk to an agent');
    await eventually(async () => receiver.events.some((e) => e.type === 'conversation.handover'), 5000);
    for (const text of ['refuse me', 'flaky', 'after both']) await h.simulator.sendText(testPsid('give-up'), text);

    // The later message is not held behind the two that will never be accepted.
    await eventually(async () => receiver.events.some((e) => e.message?.text === 'after both'), 10_000);
    expect(receiver.events.map((e) => (e.type === 'message.created' ? e.message?.text : e.type))).toEqual([
      'conversation.handover',
      'after both',
    ]);
    const rows = await h.persistence.repos.bridgeOutbox.list();
    const byText = (text: string) => rows.find((r) => r.payload.includes(`"text":"${text}"`))!;
    expect(byText('refuse me')).toMatchObject({ status: 'dead', attempts: 1, last_error: 'chat server answered HTTP 422' });
    expect(byText('flaky')).toMatchObject({ status: 'dead', attempts: 3, last_error: 'chat server answered HTTP 503' });
    expect(receiver.refused.map((e) => e.message?.text)).toEqual(['refuse me', 'flaky', 'flaky', 'flaky']);
  });
});
