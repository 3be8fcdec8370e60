import { DeskSessionSweeper } from '@app/agent-desk';
import { ADMIN_KEY, callApi, connectDesk, createAgent, DeskSocket } from '../helpers/agent-desk-client';
import { CcmHarness, startCcm } from '../helpers/ccm-harness';

/** Resolves with how long after `since` the socket was disconnected by the server. */
async function disconnectedWithin(desk: DeskSocket, since: number, timeoutMs = 3000): Promise<number> {
  const deadline = since + timeoutMs;
  while (desk.socket.connected) {
    if (Date.now() > deadline) throw new Error('socket still connected');
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - since;
}

describe('desk sessions end when the agent may no longer see customer messages', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY } });
  });
  afterAll(() => h.close());

  const admin = (path: string, body: unknown) => callApi(h, path, { method: 'PATCH', body, headers: { 'x-admin-key': ADMIN_KEY } });

  it('should disconnect a disabled agent’s desk within a second and refuse their token', async () => {
    const agent = await createAgent(h, 'dora');
    const desk = await connectDesk(h, agent.token);
    const started = Date.now();
    expect((await admin(`/api/agents/${agent.id}`, { disabled: true })).status).toBe(200);
    expect(await disconnectedWithin(desk, started)).toBeLessThan(1000);
    expect(desk.events.find((e) => e.name === 'session_ended')?.payload).toEqual({ reason: 'agent_disabled' });
    expect((await agent.api('/api/agents/me')).status).toBe(401);
  });

  it('should disconnect a demoted supervisor’s desk within a second', async () => {
    const sup = await createAgent(h, 'sven', 'supervisor');
    const desk = await connectDesk(h, sup.token);
    const started = Date.now();
    expect((await admin(`/api/agents/${sup.id}`, { role: 'agent' })).status).toBe(200);
    expect(await disconnectedWithin(desk, started)).toBeLessThan(1000);
    expect(desk.events.find((e) => e.name === 'session_ended')?.payload).toEqual({ reason: 'role_changed' });
  });

  it('should end every session on POST /api/auth/logout: the token is revoked and open desks disconnect', async () => {
    const agent = await createAgent(h, 'lena');
    const desk = await connectDesk(h, agent.token);
    const started = Date.now();
    expect((await agent.api('/api/auth/logout', { method: 'POST' })).status).toBe(204);
    expect(await disconnectedWithin(desk, started)).toBeLessThan(1000);
    expect((await agent.api('/api/agents/me')).status).toBe(401);
    // A new login works at once.
    const again = await callApi(h, '/api/auth/login', { body: { username: 'lena', password: 'agent-password-123' } });
    expect(again.status).toBe(200);
    expect((await callApi(h, '/api/agents/me', { headers: { authorization: `Bearer ${again.body.token}` } })).status).toBe(200);
  });

  it('should disconnect a desk whose token has expired', async () => {
    const agent = await createAgent(h, 'tom');
    const desk = await connectDesk(h, agent.token);
    const sweeper = h.app.get(DeskSessionSweeper);
    expect(await sweeper.sweep(Date.now())).toBe(0); // still valid now
    expect(await sweeper.sweep(Date.now() + h.config.agents.jwtTtlSeconds * 1000 + 1000)).toBe(1); // as the sweeper sees it at expiry
    await disconnectedWithin(desk, Date.now());
    expect(desk.events.find((e) => e.name === 'session_ended')?.payload).toEqual({ reason: 'token_expired' });
  });
});
