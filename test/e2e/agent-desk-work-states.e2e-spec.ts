import { AGENT_PRESENCE_TTL_MS } from '@app/core';
import { AssignmentService } from '@app/agent-desk';
import { CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { ADMIN_KEY, AGENT_PASSWORD, callApi, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { testPsid } from '../helpers/fixtures';

const GRACE_MS = 1000;

/**
 * Work states over the REST API alone (no desk socket): presence from API calls, Busy, Offline with
 * its grace period, Back to queue, transfer, notes, canned responses, CSAT, search, admin logins.
 * One app for the file; every test uses its own customers and disables its agents when done.
 */
describe('agent desk work states (REST only)', () => {
  let h: CcmHarness;
  let router: AssignmentService;
  let agents: DeskAgent[] = [];

  beforeAll(async () => {
    h = await startCcm({
      env: {
        ADMIN_API_KEY: ADMIN_KEY,
        FB_ROUTING_POLICY: 'AGENT_ONLY',
        AGENT_GRACE_SECONDS: String(GRACE_MS / 1000),
        MESSENGER_HUMAN_AGENT_TAG: 'true', // agent replies allowed until day 7: the desk must not call that "closed"
      },
    });
    router = h.app.get(AssignmentService);
  }, 30_000);
  afterEach(async () => {
    for (const a of agents)
      await callApi(h, `/api/agents/${a.id}`, { method: 'PATCH', body: { disabled: true }, headers: { 'x-admin-key': ADMIN_KEY } });
    agents = [];
    // Leave no queued or assigned chat behind for the next test's agents to be given.
    await h.persistence.db.updateTable('conversations').set({ state: 'CLOSED' }).where('state', 'in', ['QUEUED', 'AGENT']).execute();
  });
  afterAll(() => h?.close());

  const agent = async (name: string, role: 'agent' | 'supervisor' = 'agent') => {
    const a = await createAgent(h, name, role);
    agents.push(a);
    return a;
  };
  const conversationOf = async (psid: string) =>
    eventually(async () => (await h.persistence.repos.conversations.listByState('QUEUED')).find((c) => c.customer_id === psid));
  const row = async (id: string) => (await h.persistence.repos.conversations.findById(id))!;

  it('should let an agent using only the REST API accept a conversation and keep it while it makes calls', async () => {
    const rita = await agent('rita');
    await h.simulator.sendText(testPsid('rest'), 'hello, anyone there?');
    const queued = await conversationOf(testPsid('rest'));
    // She pulls the chat herself, no socket anywhere; taking it while Offline makes her Busy (she is working).
    const online = Date.now();
    expect((await rita.api(`/api/conversations/${queued.id}/accept`, { method: 'POST', body: {} })).status).toBe(200);
    expect((await rita.api('/api/agents/me')).body).toMatchObject({ status: 'busy', activeChats: 1 });
    // Calls spread over three grace periods, while the router runs every second: the chat stays hers.
    let lastCall = 0;
    while (Date.now() < online + 3 * GRACE_MS) {
      expect((await rita.api(`/api/conversations/${queued.id}`)).body).toMatchObject({ state: 'AGENT', assignedAgentId: rita.id });
      lastCall = Date.now();
      await new Promise((r) => setTimeout(r, 200));
    }
    // Her calls are her presence: seen within the last second of calling (not only when she went online).
    expect((await h.persistence.repos.agents.findById(rita.id))!.last_seen_at).toBeGreaterThanOrEqual(lastCall - 1200);
    await router.tick(Date.now() + AGENT_PRESENCE_TTL_MS - 2000); // still inside the presence window of her last call
    expect(await row(queued.id)).toMatchObject({ state: 'AGENT', assigned_agent_id: rita.id });
    expect((await rita.api('/api/agents/me')).body).toMatchObject({ online: true, graceEndsAt: null });

    // Once she stops calling for longer than presence + grace, it goes back to the queue.
    await router.tick(Date.now() + AGENT_PRESENCE_TTL_MS + GRACE_MS + 1000);
    expect(await row(queued.id)).toMatchObject({ state: 'QUEUED', assigned_agent_id: null });
  });

  it('should keep a Busy agent’s chats, give them no new ones, and return an Offline agent’s chats after the grace period', async () => {
    const bea = await agent('bea');
    await bea.api('/api/agents/me/status', { method: 'PUT', body: { status: 'available' } });
    await h.simulator.sendText(testPsid('busy-1'), 'first');
    const first = await eventually(async () => {
      const c = (await h.persistence.repos.conversations.listByState('AGENT')).find((x) => x.customer_id === testPsid('busy-1'));
      return c?.assigned_agent_id === bea.id ? c : undefined;
    });

    const busy = await bea.api('/api/agents/me/status', { method: 'PUT', body: { status: 'busy' } });
    expect(busy.body).toMatchObject({ status: 'busy', activeChats: 1, graceEndsAt: null });
    await h.simulator.sendText(testPsid('busy-2'), 'second');
    const second = await conversationOf(testPsid('busy-2'));
    await router.tick(Date.now() + 5 * GRACE_MS); // well past the grace period, still present (she called just now)
    expect(await row(first.id)).toMatchObject({ state: 'AGENT', assigned_agent_id: bea.id });
    expect(await row(second.id)).toMatchObject({ state: 'QUEUED' });

    const offline = await bea.api('/api/agents/me/status', { method: 'PUT', body: { status: 'away' } });
    expect(offline.body.graceEndsAt).toBeGreaterThan(Date.now());
    expect(offline.body.graceEndsAt).toBeLessThanOrEqual(Date.now() + GRACE_MS);
    await eventually(async () => (await row(first.id)).state === 'QUEUED', 5000);
  });

  it('should not push a conversation straight back to the agent who put it back in the queue', async () => {
    const [ann, ben] = [await agent('ann'), await agent('ben')];
    await ann.api('/api/agents/me/status', { method: 'PUT', body: { status: 'available' } });
    await h.simulator.sendText(testPsid('bounce'), 'help');
    const c = await eventually(async () => {
      const r = (await h.persistence.repos.conversations.listByState('AGENT')).find((x) => x.customer_id === testPsid('bounce'));
      return r?.assigned_agent_id === ann.id ? r : undefined;
    });

    expect((await ann.api(`/api/conversations/${c.id}/transfer`, { method: 'POST', body: {} })).body).toMatchObject({ state: 'QUEUED' });
    await router.tick(Date.now());
    expect(await row(c.id)).toMatchObject({ state: 'QUEUED', released_by_agent_id: ann.id });

    await ben.api('/api/agents/me/status', { method: 'PUT', body: { status: 'available' } });
    await eventually(async () => (await row(c.id)).assigned_agent_id === ben.id, 5000);
    expect((await row(c.id)).released_by_agent_id).toBeNull();
  });

  it('should transfer to a named agent, keep private notes from the customer, and find conversations by name, PSID and text', async () => {
    const [cat, dan] = [await agent('cat'), await agent('dan')];
    await dan.api('/api/agents/me/status', { method: 'PUT', body: { status: 'busy' } }); // at work: an Offline agent's chats return to the queue
    await h.simulator.sendText(testPsid('search'), 'my parcel 778899 is late');
    const c = await conversationOf(testPsid('search'));
    await cat.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });

    const note = await cat.api(`/api/conversations/${c.id}/notes`, { body: { text: 'VIP customer, refund approved' } });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ authorName: 'Cat', text: 'VIP customer, refund approved' });
    expect(h.graph.sentTexts(testPsid('search')).some((t) => t.includes('VIP'))).toBe(false);

    const directory = (await cat.api('/api/agents/directory')).body as { id: string; displayName: string }[];
    expect(directory.map((a) => a.displayName)).toEqual(expect.arrayContaining(['Cat', 'Dan']));
    expect((await cat.api(`/api/conversations/${c.id}/transfer`, { method: 'POST', body: { toAgentId: dan.id } })).body).toMatchObject({
      state: 'AGENT',
      assignedAgentId: dan.id,
    });
    expect((await dan.api(`/api/conversations/${c.id}/notes`)).body).toEqual([
      expect.objectContaining({ text: 'VIP customer, refund approved' }),
    ]);

    for (const q of ['778899', testPsid('search').slice(4), 'parcel']) {
      const found = (await dan.api(`/api/conversations?state=active&q=${encodeURIComponent(q)}`)).body as { id: string }[];
      expect(found.map((f) => f.id)).toEqual([c.id]);
    }
    expect((await cat.api('/api/conversations?state=active&q=parcel')).body).toEqual([]); // no longer hers
    const sent = await dan.api(`/api/conversations/${c.id}/messages`, { body: { text: 'On it!' } });
    expect(sent.body).toMatchObject({ author: 'agent', authorName: 'Dan' });
  });

  it('should let supervisors manage canned responses (audited) and every agent read them', async () => {
    const [sue, eve] = [await agent('sue', 'supervisor'), await agent('eve')];
    const created = await sue.api('/api/canned-responses', {
      body: { shortcut: 'refund', title: 'Refunds', text: 'Refunds take 3-5 days.' },
    });
    expect(created.status).toBe(201);
    expect((await eve.api('/api/canned-responses', { body: { shortcut: 'x', title: 'x', text: 'x' } })).status).toBe(403);
    expect(
      (await sue.api('/api/canned-responses', { body: { shortcut: 'refund', title: 'again', text: 'x' } })).body.error.details,
    ).toEqual([{ field: 'shortcut', message: 'already taken' }]);
    expect((await eve.api('/api/canned-responses')).body).toEqual([
      expect.objectContaining({ shortcut: 'refund', text: 'Refunds take 3-5 days.' }),
    ]);
    const audit = (await callApi(h, '/api/admin/audit', { headers: { 'x-admin-key': ADMIN_KEY } })).body as {
      actor: string;
      action: string;
    }[];
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'agent:Sue', action: 'canned.create' }));
    await sue.api(`/api/canned-responses/${created.body.id}`, { method: 'DELETE' });
  });

  it('should ask for a rating at close only inside the window, and store the answer', async () => {
    const fay = await agent('fay');
    await h.simulator.sendText(testPsid('csat'), 'thanks for the help');
    const c = await conversationOf(testPsid('csat'));
    await fay.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });
    const closed = await fay.api(`/api/conversations/${c.id}/close`, { method: 'POST', body: { csat: true } });
    expect(closed.body).toMatchObject({ state: 'CLOSED', csat: { askedAt: expect.any(Number), rating: null } });
    const question = await eventually(async () =>
      h.graph
        .sentMessages(testPsid('csat'))
        .map((r) => r.body as { message: { text?: string; quick_replies?: { payload: string }[] } })
        .find((b) => b.message.quick_replies?.length === 5),
    );
    expect(question.message.quick_replies!.map((q) => q.payload)).toEqual(['CSAT_1', 'CSAT_2', 'CSAT_3', 'CSAT_4', 'CSAT_5']);

    const timestamp = Date.now();
    h.graph.noteCustomerActivity(testPsid('csat'), timestamp);
    await h.simulator.post({
      object: 'page',
      entry: [
        {
          id: '1234567890',
          time: timestamp,
          messaging: [
            {
              sender: { id: testPsid('csat') },
              recipient: { id: '1234567890' },
              timestamp,
              message: { mid: 'm_csat_answer', text: '😀 5', quick_reply: { payload: 'CSAT_5' } },
            },
          ],
        },
      ],
    });
    await eventually(async () => (await row(c.id)).csat_rating === 5, 5000);

    // Only the customer's first message after the question answers it: a "2" typed after an ignored question is no rating.
    await h.simulator.sendText(testPsid('csat-ignored'), 'where is my parcel?');
    const ignored = await conversationOf(testPsid('csat-ignored'));
    await fay.api(`/api/conversations/${ignored.id}/accept`, { method: 'POST', body: {} });
    await fay.api(`/api/conversations/${ignored.id}/close`, { method: 'POST', body: { csat: true } });
    await waitForIdle(h);
    await h.simulator.sendText(testPsid('csat-ignored'), 'one more thing'); // reopens it
    await eventually(async () => (await row(ignored.id)).csat_answered_at !== null, 5000); // the question is over, unrated
    await conversationOf(testPsid('csat-ignored'));
    await fay.api(`/api/conversations/${ignored.id}/accept`, { method: 'POST', body: {} });
    // Snoozed, so that the customer's next message visibly reaches the desk (it ends the snooze in the same update).
    await fay.api(`/api/conversations/${ignored.id}/snooze`, { method: 'POST', body: { until: Date.now() + 3600_000 } });
    await h.simulator.sendText(testPsid('csat-ignored'), '2');
    await eventually(async () => (await row(ignored.id)).snoozed_until === null, 5000);
    expect(await row(ignored.id)).toMatchObject({ csat_rating: null, csat_answered_at: expect.any(Number) });

    // Outside the 24-hour window no question is sent.
    await h.simulator.sendText(testPsid('csat-late'), 'hello');
    const late = await conversationOf(testPsid('csat-late'));
    await fay.api(`/api/conversations/${late.id}/accept`, { method: 'POST', body: {} });
    await h.persistence.repos.conversations.update(late.id, { last_user_event_at: Date.now() - 25 * 3600_000 });
    expect((await fay.api(`/api/conversations/${late.id}`)).body.reply).toMatchObject({ state: 'human_agent' });
    const lateClose = await fay.api(`/api/conversations/${late.id}/close`, { method: 'POST', body: { csat: true } });
    expect(lateClose.body).toMatchObject({ state: 'CLOSED', csat: null });
  });

  it('should let an admin login use the admin API (audited as that admin) and refuse it to other agents', async () => {
    const [ada, gus] = [await agent('ada'), await agent('gus')];
    await callApi(h, `/api/agents/${ada.id}`, { method: 'PATCH', body: { role: 'admin' }, headers: { 'x-admin-key': ADMIN_KEY } });
    expect((await gus.api('/api/admin/pages/1234567890/routing')).status).toBe(403);
    // A role change ends the agent's sessions: Ada signs in again as an admin.
    const login = await callApi(h, '/api/auth/login', { body: { username: 'ada', password: AGENT_PASSWORD } });
    const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
      callApi(h, path, { ...init, headers: { authorization: `Bearer ${login.body.token}` } });
    const changed = await admin('/api/admin/pages/1234567890/routing', { method: 'PUT', body: { policy: 'AGENT_ONLY' } });
    expect(changed.body).toMatchObject({ policy: 'AGENT_ONLY' });
    const audit = (await admin('/api/admin/audit')).body as { actor: string; action: string }[];
    expect(audit[0]).toMatchObject({ actor: 'agent:Ada', action: 'routing.update' });
  });
});
