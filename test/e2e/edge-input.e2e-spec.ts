import { ADMIN_KEY, callApi } from '../helpers/agent-desk-client';
import { CcmHarness, PAGE_ID, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const DEEP = '['.repeat(100_000) + ']'.repeat(100_000);

describe('U+0000 and over-deep JSON at the edge (PostgreSQL, which refuses U+0000 in text)', () => {
  let h: CcmHarness;
  const logs: string[] = [];
  beforeAll(async () => {
    h = await startCcm({ dialect: 'postgres', captureLogs: logs, env: { ADMIN_API_KEY: ADMIN_KEY } });
  });
  afterAll(() => h.close());

  const item = (psid: string, mid: string, text: string) => ({
    sender: { id: psid },
    recipient: { id: PAGE_ID },
    timestamp: Date.now(),
    message: { mid, text },
  });

  it('should process every event of a webhook batch when one of them carries U+0000', async () => {
    const response = await h.simulator.post({
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: Date.now(),
          messaging: [
            item(testPsid('nul'), 'm_nul', 'where is\u0000 my order'),
            item(testPsid('innocent'), 'm_innocent', 'where is my order'),
          ],
        },
      ],
    });
    expect(response.status).toBe(200);
    await h.graph.waitFor(
      () => h.graph.sentMessages(testPsid('innocent')).length === 1 && h.graph.sentMessages(testPsid('nul')).length === 1,
      5000,
    );
    const stored = await h.persistence.db.selectFrom('messages').select('text').where('direction', '=', 'in').execute();
    expect(stored.map((m) => m.text).sort()).toEqual(['where is my order', 'where is my order']);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('should answer an over-deep signed webhook with 400, not 500 or 503', async () => {
    const response = await h.simulator.post(`{"object":"page","entry":${DEEP}}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('nested deeper than 64 levels');
  });

  it('should refuse API bodies with U+0000 or over-deep nesting with a clear 400 naming the problem', async () => {
    const nul = await callApi(h, '/api/agents', {
      body: { username: 'mallory\u0000', displayName: 'M', password: 'a-long-enough-password' },
      headers: { 'x-admin-key': ADMIN_KEY },
    });
    expect(nul.status).toBe(400);
    expect(nul.body.error.message).toContain('username contains U+0000');
    const deep = await callApi(h, '/api/auth/login', { body: `{"username":${DEEP}}` });
    expect(deep.status).toBe(400);
    expect(deep.body.error.message).toContain('nested deeper than 64 levels');
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
  });
});
