import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, callApi, connectDesk, createAgent, DeskSocket } from '../helpers/agent-desk-client';
import { QueueWatcher } from '@app/conversations';
import { PAGE_ID, CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const GREETING = 'Hi! I am the virtual assistant. How can I help you today?';
const FALLBACK =
  'Sorry, I did not quite get that. You can ask me about opening hours, your order, returns or delivery, or type "agent" to talk to a person.';
const env = {
  ADMIN_API_KEY: ADMIN_KEY,
  HANDOVER_MESSAGE: 'A colleague will take over.',
  NO_AGENT_MESSAGE: 'Nobody is free right now.',
  QUEUE_POSITION_MESSAGE: 'Your place in the queue: {position}.',
};

async function say(h: CcmHarness, psid: string, text: string, expectSent: number): Promise<void> {
  await h.simulator.sendText(psid, text);
  await h.graph.waitFor(() => h.graph.sentMessages(psid).length >= expectSent, 5000);
}

async function conversation(h: CcmHarness, psid: string) {
  return h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: psid });
}

const desks: DeskSocket[] = [];
afterEach(() => desks.splice(0).forEach((d) => d.close()));

/** An agent who is available and has the desk open (presence comes from the desk's connection). */
async function availableAgent(h: CcmHarness, username: string) {
  const agent = await createAgent(h, username);
  desks.push(await connectDesk(h, agent.token));
  expect((await agent.api('/api/agents/me/status', { method: 'PUT', body: { status: 'available' } })).status).toBe(200);
  await eventually(async () => ((await h.persistence.repos.agents.countAvailable(Date.now() - 15_000)) > 0 ? true : undefined), 5000);
  return agent;
}

describe('routing policies: the exact messages a scripted conversation produces', () => {
  let h: CcmHarness;
  afterEach(() => h.close());

  it('DEFAULT (hand over after 2 low-confidence turns): greeting, fallback, then the customer asks for a person', async () => {
    h = await startCcm({ env: { ...env, LOW_CONFIDENCE_TURNS: '2' } });
    await say(h, testPsid('default'), 'hello', 1);
    await say(h, testPsid('default'), 'the quantum flux capacitor exploded yesterday', 2);
    await say(h, testPsid('default'), 'I want to talk to a human', 3);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('default'))).toEqual([GREETING, FALLBACK, 'Nobody is free right now. Your place in the queue: 1.']);
    expect(await conversation(h, testPsid('default'))).toMatchObject({ state: 'QUEUED', handover_reason: 'customer asked for a person' });
  });

  it('DEFAULT with an available agent: a low-confidence turn goes to the agent, who then owns the conversation', async () => {
    h = await startCcm({ env });
    await availableAgent(h, 'ann');
    await say(h, testPsid('default-2'), 'hello', 1);
    await say(h, testPsid('default-2'), 'the quantum flux capacitor exploded yesterday', 2);
    await eventually(async () => (await conversation(h, testPsid('default-2')))?.state === 'AGENT', 5000);
    await h.simulator.sendText(testPsid('default-2'), 'I want to talk to a human');
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('default-2'))).toEqual([GREETING, 'A colleague will take over. Your place in the queue: 1.']);
    const events = await h.persistence.repos.conversationEvents.listForConversation((await conversation(h, testPsid('default-2')))!.id);
    expect(events.filter((e) => e.type === 'handover').map((e) => e.reason)).toEqual([
      expect.stringMatching(/^low confidence 0\.\d\d < 0\.60$/),
    ]);
  });

  it('BOT_ONLY: the bot answers everything, with its fallback where DEFAULT would hand over', async () => {
    h = await startCcm({ env: { ...env, FB_ROUTING_POLICY: 'BOT_ONLY' } });
    await say(h, testPsid('botonly'), 'hello', 1);
    await say(h, testPsid('botonly'), 'the quantum flux capacitor exploded yesterday', 2);
    await say(h, testPsid('botonly'), 'I want to talk to a human', 3);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('botonly'))).toEqual([GREETING, FALLBACK, FALLBACK]);
    expect(await conversation(h, testPsid('botonly'))).toMatchObject({ state: 'BOT' });
    expect(await h.persistence.repos.conversations.listByState('QUEUED')).toEqual([]);
  });

  it('AGENT_ONLY: the first message goes to the queue; the bot never answers', async () => {
    h = await startCcm({ env: { ...env, FB_ROUTING_POLICY: 'AGENT_ONLY' } });
    await say(h, testPsid('agentonly'), 'hello', 1);
    await h.simulator.sendText(testPsid('agentonly'), 'the quantum flux capacitor exploded yesterday');
    await h.simulator.sendText(testPsid('agentonly'), 'I want to talk to a human');
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('agentonly'))).toEqual(['Nobody is free right now. Your place in the queue: 1.']);
    expect(await conversation(h, testPsid('agentonly'))).toMatchObject({
      state: 'QUEUED',
      handover_reason: 'AGENT_ONLY: every conversation goes to an agent',
    });
  });

  it('no agent available with NO_AGENT_FALLBACK=bot: the bot keeps the conversation with its fallback', async () => {
    h = await startCcm({ env: { ...env, NO_AGENT_FALLBACK: 'bot' } });
    await say(h, testPsid('noagent'), 'the quantum flux capacitor exploded yesterday', 2);
    expect(h.graph.sentTexts(testPsid('noagent'))).toEqual(['Nobody is free right now.', FALLBACK]);
    expect(await conversation(h, testPsid('noagent'))).toMatchObject({ state: 'BOT' });
  });

  it('outside business hours: the customer is told, and the conversation stays queued', async () => {
    h = await startCcm({ env: { ...env, BUSINESS_HOURS: 'Sun 00:00-00:01 UTC' } });
    await availableAgent(h, 'nightowl');
    await say(h, testPsid('closed'), 'I want to talk to a human', 1);
    expect(h.graph.sentTexts(testPsid('closed'))).toEqual(['Nobody is free right now. Your place in the queue: 1.']);
  });
});

describe('the queue keeps waiting customers informed', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({
      env: { ...env, QUEUE_UPDATE_INTERVAL_MS: '150', QUEUE_TIMEOUT_MS: '600000', QUEUE_TIMEOUT_MESSAGE: 'Still waiting, sorry!' },
    });
  });
  afterAll(() => h.close());

  it('should tell the second customer their new place when the first is taken, and both that the wait is long', async () => {
    await say(h, testPsid('q1'), 'I want to talk to a human', 1);
    await say(h, testPsid('q2'), 'I want to talk to a human', 1);
    expect(h.graph.sentTexts(testPsid('q2'))).toEqual(['Nobody is free right now. Your place in the queue: 2.']);
    const agent = await createAgent(h, 'quinn');
    const first = await conversation(h, testPsid('q1'));
    expect((await agent.api(`/api/conversations/${first!.id}/accept`, { method: 'POST' })).status).toBe(200);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('q2')).length >= 2, 3000);
    expect(h.graph.sentTexts(testPsid('q2'))[1]).toBe('Your place in the queue: 1.');
    // The long wait is made to have passed (not waited for in real time: a slow machine cannot reorder the notices).
    const second = await conversation(h, testPsid('q2'));
    await h.persistence.repos.conversations.update(second!.id, { queued_at: Date.now() - 600_000 });
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('q2')).length >= 3, 5000);
    expect(h.graph.sentTexts(testPsid('q2'))[2]).toBe('Still waiting, sorry!');
    // Told once, not on every pass: two more passes of the watcher queue nothing.
    expect(await h.app.get(QueueWatcher).tick()).toBe(0);
    expect(await h.app.get(QueueWatcher).tick()).toBe(0);
    await waitForIdle(h);
    expect(h.graph.sentTexts(testPsid('q2'))).toHaveLength(3);
    expect(h.graph.sentTexts(testPsid('q1'))).toHaveLength(1); // taken by an agent: no queue notices
  });
});

describe('20 messages from one customer posted concurrently while an agent accepts', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({ dialect: 'postgres', env });
  });
  afterAll(() => h.close());

  it('should produce exactly one hand-over and no bot reply after the accept', async () => {
    const agent = await createAgent(h, 'racer');
    const start = Date.now();
    const texts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'hello' : `the quantum flux capacitor exploded ${i}`));
    // The first two (an answered "hello", then the message that hands over) are delivered in order; Meta
    // does not promise order across webhooks either, and a reordering here would make the bot answer a
    // later "hello" first. The other 18 race the accept.
    for (const i of [0, 1]) await h.simulator.sendText(testPsid('race'), texts[i], { timestamp: start + i });
    const posting = Promise.all(
      texts.slice(2).map((text, i) => h.simulator.sendText(testPsid('race'), text, { timestamp: start + i + 2 })),
    );
    const acceptedAt = await eventually(
      async () => {
        const c = await conversation(h, testPsid('race'));
        if (c?.state !== 'QUEUED') return undefined;
        const accepted = await agent.api(`/api/conversations/${c.id}/accept`, { method: 'POST' });
        return accepted.status === 200 ? Date.now() : undefined;
      },
      10_000,
      5,
    );
    await posting;
    await eventually(async () => ((await h.persistence.repos.journal.countByStatus()).pending ?? 0) === 0, 10_000);
    await waitForIdle(h);

    const c = (await conversation(h, testPsid('race')))!;
    expect(c.state).toBe('AGENT');
    const events = await h.persistence.repos.conversationEvents.listForConversation(c.id);
    expect(events.filter((e) => e.type === 'handover')).toHaveLength(1);
    const messages = await h.persistence.repos.messages.listForConversation(c.id);
    expect(messages.filter((m) => m.direction === 'in')).toHaveLength(20);
    const botReplies = messages.filter((m) => m.author === 'bot');
    expect(botReplies.every((m) => m.created_at <= acceptedAt)).toBe(true);
    // The first message is "hello" (answered); the second hands over; no bot turn after that.
    expect(botReplies).toHaveLength(1);
  });
});

describe('changing the policy through the admin API', () => {
  it('should take effect on the next message without a restart, be audited, and survive a restart', async () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'ccm-policy-')), 'ccm.sqlite')}`;
    let h = await startCcm({ env, databaseUrl: url });
    try {
      await say(h, testPsid('policy'), 'the quantum flux capacitor exploded yesterday', 1);
      expect((await conversation(h, testPsid('policy')))?.state).toBe('QUEUED');

      const changed = await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, {
        method: 'PUT',
        body: { policy: 'BOT_ONLY' },
        headers: { 'x-admin-key': ADMIN_KEY, 'x-admin-actor': 'ops@example.com' },
      });
      expect(changed).toMatchObject({ status: 200, body: { pageId: PAGE_ID, policy: 'BOT_ONLY', threshold: 0.6, lowConfidenceTurns: 1 } });
      const refused = await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, {
        method: 'PUT',
        body: { policy: 'SOMETIMES' },
        headers: { 'x-admin-key': ADMIN_KEY },
      });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('policy must be one of DEFAULT, BOT_ONLY, AGENT_ONLY');

      await say(h, testPsid('policy-2'), 'the quantum flux capacitor exploded yesterday', 1);
      expect(h.graph.sentTexts(testPsid('policy-2'))).toEqual([FALLBACK]);
      const audit = await callApi(h, '/api/admin/audit', { headers: { 'x-admin-key': ADMIN_KEY } });
      expect(audit.body).toEqual([
        expect.objectContaining({
          actor: 'ops@example.com',
          action: 'routing.update',
          target: `page:${PAGE_ID}`,
          before: expect.objectContaining({ policy: 'DEFAULT' }),
          after: { policy: 'BOT_ONLY' },
        }),
      ]);
    } finally {
      await h.close();
    }

    h = await startCcm({ env, databaseUrl: url });
    try {
      await say(h, testPsid('policy-3'), 'the quantum flux capacitor exploded yesterday', 1);
      expect(h.graph.sentTexts(testPsid('policy-3'))).toEqual([FALLBACK]);
      expect((await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, { headers: { 'x-admin-key': ADMIN_KEY } })).body).toMatchObject({
        policy: 'BOT_ONLY',
      });
    } finally {
      await h.close();
    }
  });
});
