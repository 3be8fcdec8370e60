import { PAGE_ID, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { ADMIN_KEY, connectDesk, createAgent, DeskSocket } from '../helpers/agent-desk-client';
import { testPsid } from '../helpers/fixtures';

const CAROUSEL = {
  kind: 'carousel',
  cards: [
    {
      title: 'Blue shirt',
      subtitle: '$20',
      imageUrl: 'https://img.example/blue.png',
      buttons: [{ type: 'postback', title: 'Buy', payload: 'BUY_BLUE' }],
    },
    { title: 'Red shirt', subtitle: '$22', buttons: [{ type: 'url', title: 'View', url: 'https://shop.example/red' }] },
  ],
};

describe.each(['sqlite', 'postgres'] as const)('agent desk hand-over on %s', (dialect) => {
  let h: CcmHarness;
  let desk: DeskSocket | undefined;

  beforeEach(async () => {
    h = await startCcm({ dialect, env: { ADMIN_API_KEY: ADMIN_KEY } });
  });
  afterEach(async () => {
    desk?.close();
    await h.close();
  });

  it('should route a customer who asks for a person to an available agent, live, through to the bot again', async () => {
    // Arrange: an agent with the desk open, available.
    const alice = await createAgent(h, 'alice');
    desk = await connectDesk(h, alice.token);
    expect((await alice.api('/api/agents/me/status', { method: 'PUT', body: { status: 'available' } })).body).toMatchObject({
      status: 'available',
      online: true,
    });

    // The customer asks for a human: the embedded bot's `human` intent hands over, push routing assigns.
    await h.simulator.sendText(testPsid('zoe'), 'I want to talk to an agent');
    const assigned = await desk.waitFor('conversation.assigned');
    expect(assigned).toMatchObject({
      state: 'AGENT',
      assignedAgentId: alice.id,
      handoverReason: 'customer asked for a person',
      bot: { intent: 'human', confidence: expect.any(Number) },
      customer: {
        id: testPsid('zoe'),
        name: `Customer ${testPsid('zoe').slice(-4)}`, // the double names a numeric PSID "Customer <last 4 digits>"
        pictureUrl: expect.stringMatching(new RegExp(`/_double/avatar/${testPsid('zoe')}\\.svg$`)),
      },
    });
    const conversationId = assigned.id as string;
    const transcript = (await alice.api(`/api/conversations/${conversationId}/messages`)).body as { author: string; text: string }[];
    expect(transcript.map((m) => [m.author, m.text])).toEqual([
      ['customer', 'I want to talk to an agent'],
      ['system', expect.stringContaining('colleague')],
    ]);

    // The customer writes again: the agent sees it live.
    await h.simulator.sendText(testPsid('zoe'), 'my order 4711 has not arrived');
    const live = await desk.waitFor(
      'message.created',
      (p) => p.message.author === 'customer' && p.message.text === 'my order 4711 has not arrived',
    );
    expect(live.conversationId).toBe(conversationId);

    // The agent answers with a carousel → a valid generic template reaches the Send API.
    const sent = await alice.api(`/api/conversations/${conversationId}/messages`, { body: { message: CAROUSEL } });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ author: 'agent', status: 'queued', content: CAROUSEL });
    const status = await desk.waitFor('message.status', (p) => p.messageId === sent.body.id && p.status === 'sent');
    expect(status.error).toBeNull();
    const generic = h.graph.sentMessages(testPsid('zoe')).at(-1)!;
    expect(generic.status).toBe(200);
    expect(generic.body).toMatchObject({
      message: {
        attachment: {
          type: 'template',
          payload: { template_type: 'generic', elements: [{ title: 'Blue shirt' }, { title: 'Red shirt' }] },
        },
      },
    });

    // The customer reads it: Meta's read watermark turns the agent's message to "read".
    const stored = await h.persistence.repos.messages.findById(sent.body.id);
    await h.simulator.post({
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: Date.now(),
          messaging: [
            {
              sender: { id: testPsid('zoe') },
              recipient: { id: PAGE_ID },
              timestamp: stored!.sent_at! + 5,
              read: { watermark: stored!.sent_at! + 1 },
            },
          ],
        },
      ],
    });
    await desk.waitFor('message.status', (p) => p.messageId === sent.body.id && p.status === 'read');
    const afterRead = (await alice.api(`/api/conversations/${conversationId}/messages`)).body as { id: number; status: string }[];
    expect(afterRead.find((m) => m.id === sent.body.id)?.status).toBe('read');

    // The agent closes; the customer's next message goes to the bot.
    const closed = await alice.api(`/api/conversations/${conversationId}/close`, { body: {} });
    expect(closed).toMatchObject({ status: 200, body: { state: 'CLOSED' } });
    await desk.waitFor('conversation.closed', (p) => p.id === conversationId);
    const before = h.graph.sentMessages(testPsid('zoe')).length;
    await h.simulator.sendText(testPsid('zoe'), 'where is my order');
    await eventually(async () => h.graph.sentMessages(testPsid('zoe')).length > before, 3000);
    expect(h.graph.sentTexts(testPsid('zoe')).at(-1)).toContain('track your order');
    expect((await h.persistence.repos.conversations.findById(conversationId))?.state).toBe('BOT');
  }, 30_000);
});
