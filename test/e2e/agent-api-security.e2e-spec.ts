import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { ADMIN_KEY, AGENT_PASSWORD, callApi, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { testPsid } from '../helpers/fixtures';

const SOME_ID = '00000000-0000-4000-8000-000000000000';
const ROUTES: [string, string][] = [
  ['GET', '/api/conversations?state=queued'],
  ['GET', `/api/conversations/${SOME_ID}`],
  ['GET', `/api/conversations/${SOME_ID}/messages`],
  ['POST', `/api/conversations/${SOME_ID}/accept`],
  ['POST', `/api/conversations/${SOME_ID}/messages`],
  ['POST', `/api/conversations/${SOME_ID}/transfer`],
  ['POST', `/api/conversations/${SOME_ID}/close`],
  ['POST', `/api/conversations/${SOME_ID}/typing`],
  ['PUT', '/api/agents/me/status'],
  ['GET', '/api/agents/me'],
  ['GET', '/api/agents'],
  ['POST', '/api/agents'],
  ['PATCH', `/api/agents/${SOME_ID}`],
];

/** Puts a conversation in the queue (nobody is available) and lets `agent` pull it. */
async function queuedConversationOf(h: CcmHarness, psid: string, agent?: DeskAgent): Promise<string> {
  await h.simulator.sendText(psid, 'I want to talk to an agent');
  const conversation = await eventually(async () => {
    const row = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: h.config.pages[0].pageId!,
      customerId: psid,
    });
    return row?.state === 'QUEUED' ? row : undefined;
  });
  if (agent) expect((await agent.api(`/api/conversations/${conversation.id}/accept`, { body: {} })).status).toBe(200);
  return conversation.id;
}

describe('agent API security', () => {
  let h: CcmHarness;
  let alice: DeskAgent;
  let bob: DeskAgent;
  let sue: DeskAgent;

  beforeAll(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, LOGIN_MAX_FAILURES: '3' } });
    [alice, bob, sue] = await Promise.all([createAgent(h, 'alice'), createAgent(h, 'bob'), createAgent(h, 'sue', 'supervisor')]);
  });
  afterAll(() => h.close());

  it.each(ROUTES)('should answer %s %s without credentials with 401 in the one error shape', async (method, path) => {
    const response = await callApi(h, path, { method, body: method === 'GET' ? undefined : {} });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
  });

  it('should refuse a forged or expired-looking token', async () => {
    const forged = await callApi(h, '/api/conversations', { headers: { authorization: `Bearer ${alice.token.slice(0, -4)}AAAA` } });
    expect(forged.status).toBe(401);
  });

  it("should not let an agent read or act on another agent's conversation, but a supervisor may", async () => {
    const id = await queuedConversationOf(h, testPsid('sec-1'), alice);
    for (const [method, path, body] of [
      ['GET', `/api/conversations/${id}`, undefined],
      ['GET', `/api/conversations/${id}/messages`, undefined],
      ['POST', `/api/conversations/${id}/messages`, { text: 'hi from bob' }],
      ['POST', `/api/conversations/${id}/accept`, {}],
      ['POST', `/api/conversations/${id}/transfer`, {}],
      ['POST', `/api/conversations/${id}/close`, {}],
      ['POST', `/api/conversations/${id}/typing`, {}],
    ] as const) {
      const response = await bob.api(path, { method, body });
      expect([method, path, response.status, response.body.error?.code]).toEqual([method, path, 404, 'NOT_FOUND']);
    }
    expect((await bob.api('/api/conversations?state=active')).body).toEqual([]);
    expect((await bob.api('/api/agents')).status).toBe(403);

    expect((await sue.api(`/api/conversations/${id}`)).body).toMatchObject({ id, assignedAgentId: alice.id });
    expect((await sue.api('/api/conversations?state=active')).body.map((c: { id: string }) => c.id)).toContain(id);
    expect((await sue.api('/api/agents')).body.map((a: { username: string }) => a.username)).toEqual(['alice', 'bob', 'sue']);
    expect((await sue.api(`/api/conversations/${id}/transfer`, { body: { toAgentId: bob.id } })).body).toMatchObject({
      assignedAgentId: bob.id,
    });
    expect((await alice.api(`/api/conversations/${id}`)).status).toBe(404);
    expect((await bob.api(`/api/conversations/${id}/messages`)).status).toBe(200);
  });

  it('should answer bad JSON with 400 INVALID_JSON and a clear message', async () => {
    const response = await callApi(h, '/api/auth/login', {
      method: 'POST',
      body: '{"username": "alice", ',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'INVALID_JSON',
      message: expect.stringMatching(/^request body is not valid JSON: /),
    });
    const authed = await callApi(h, `/api/conversations/${SOME_ID}/messages`, {
      method: 'POST',
      body: 'not json',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
    });
    expect(authed.status).toBe(400);
    expect(authed.body.error.code).toBe('INVALID_JSON');
  });

  it('should name the field and the limit when a rich message is invalid', async () => {
    const id = await queuedConversationOf(h, testPsid('sec-2'), alice);
    const cards = Array.from({ length: 11 }, (_, i) => ({ title: `Card ${i}`, subtitle: 'x' }));
    const tooMany = await alice.api(`/api/conversations/${id}/messages`, { body: { message: { kind: 'carousel', cards } } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({
      code: 'INVALID_MESSAGE',
      details: [{ field: 'message.cards[10]', message: 'carousel.cards[10]: at most 10 cards' }],
    });
    const longTitle = await alice.api(`/api/conversations/${id}/messages`, {
      body: {
        message: { kind: 'buttons', text: 'Pick', buttons: [{ type: 'postback', title: 'A title that is far too long', payload: 'X' }] },
      },
    });
    expect(longTitle.body.error.details).toEqual([{ field: 'message.buttons[0].title', message: expect.stringContaining('limit 20') }]);
    const both = await alice.api(`/api/conversations/${id}/messages`, { body: { text: 'a', message: { kind: 'text', text: 'b' } } });
    expect(both.body.error.code).toBe('VALIDATION_FAILED');
    const unknown = await alice.api(`/api/conversations/${id}/messages`, { body: { txt: 'typo' } });
    expect(unknown.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'txt', message: 'property txt should not exist' }],
    });
  });

  it('should refuse a second accept of the same conversation', async () => {
    const id = await queuedConversationOf(h, testPsid('sec-3'));
    const results = await Promise.all([
      alice.api(`/api/conversations/${id}/accept`, { body: {} }),
      bob.api(`/api/conversations/${id}/accept`, { body: {} }),
    ]);
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    // The loser either no longer sees it (someone else's now: 404) or lost the race inside (409).
    expect([404, 409]).toContain(results.find((r) => r.status !== 200)!.status);
    const row = await h.persistence.repos.conversations.findById(id);
    expect(row?.assigned_agent_id).toBe(winners[0].body.assignedAgentId);
    const accepts = (await h.persistence.repos.conversationEvents.listForConversation(id)).filter((e) => e.type === 'assign');
    expect(accepts).toHaveLength(1);
  });

  it('should rate-limit failed logins per username and IP, in the database', async () => {
    const carol = await createAgent(h, 'carol');
    for (let i = 0; i < 3; i++) {
      expect((await callApi(h, '/api/auth/login', { body: { username: 'carol', password: 'wrong-password' } })).body.error.code).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    const limited = await callApi(h, '/api/auth/login', { body: { username: 'carol', password: AGENT_PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('LOGIN_RATE_LIMITED');
    expect(await h.persistence.repos.loginFailures.countSince('carol', '127.0.0.1', 0)).toBe(3);
    expect(carol.token).toBeTruthy(); // earlier sessions are unaffected
  });

  it('should refuse a weak password with 400 naming the field and the reason, and store nothing', async () => {
    for (const [password, reason] of [
      ['aaaaaaaaaa', 'must not be a short pattern repeated'],
      ['walter2026!', 'must not be the username with a few characters added'],
      ['short', 'password must be at least 10 characters'],
    ]) {
      const refused = await callApi(h, '/api/agents', {
        body: { username: 'walter', displayName: 'Walter', password },
        headers: { 'x-admin-key': ADMIN_KEY },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual(expect.arrayContaining([{ field: 'password', message: expect.stringContaining(reason) }]));
    }
    const list = await callApi(h, '/api/agents', { headers: { 'x-admin-key': ADMIN_KEY } });
    expect(list.body.map((a: { username: string }) => a.username)).not.toContain('walter');
  });

  it('should keep the admin API behind x-admin-key and never return password hashes', async () => {
    const wrong = await callApi(h, '/api/agents', {
      body: { username: 'eve', displayName: 'Eve', password: 'long-enough-pw' },
      headers: { 'x-admin-key': 'wrong-key-wrong-key' },
    });
    expect(wrong.status).toBe(401);
    const list = await callApi(h, '/api/agents', { headers: { 'x-admin-key': ADMIN_KEY } });
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password/);
    const disabled = await callApi(h, `/api/agents/${bob.id}`, {
      method: 'PATCH',
      body: { disabled: true },
      headers: { 'x-admin-key': ADMIN_KEY },
    });
    expect(disabled.body).toMatchObject({ disabled: true });
    expect((await bob.api('/api/agents/me')).status).toBe(401); // disabling ends the session at once
  });

  it('should serve the OpenAPI document with the /api routes only', async () => {
    const doc = await callApi(h, '/api/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/agents', '/api/agents/me/status', '/api/conversations/{id}/messages']),
    );
    expect(Object.keys(doc.body.paths).some((p) => p.startsWith('/ccm'))).toBe(false);
    const ui = await fetch(`${h.url}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('should answer unknown /api routes in the error shape and leave the webhook errors alone', async () => {
    expect((await callApi(h, '/api/nope')).body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    const webhook = await callApi(h, '/ccm/webhook');
    expect(webhook.status).toBe(400);
    expect(webhook.body.error).not.toHaveProperty('code');
  });
});
