import { ADMIN_KEY } from '../helpers/agent-desk-client';
import { CcmHarness, PAGE_ID, PAGE_TOKEN, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

describe('PUT /api/admin/pages/:id/token', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY } });
  });
  afterAll(() => h.close());

  const put = (token: string) =>
    fetch(`${h.url}/api/admin/pages/${PAGE_ID}/token`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
      body: JSON.stringify({ accessToken: token }),
    });
  const stored = async () => (await h.persistence.repos.pageStates.get(PAGE_ID))?.access_token ?? null;

  it('should report a failed Graph check instead of "valid", and store nothing', async () => {
    // A token Meta would accept, but Meta answers 500 while ccm checks it (owner check and verification).
    h.graph.addPage({ pageId: PAGE_ID, accessToken: 'EAAB-replacement-during-outage' });
    h.graph.injectFault({ status: 500, code: 1, path: /\/me$/, times: 2 });
    const response = await put('EAAB-replacement-during-outage');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/unverified.*nothing was stored/);
    expect(await stored()).toBeNull();
  });

  it('should answer 422 for a token Meta refuses, and store nothing', async () => {
    const response = await put('EAAB-not-a-real-token');
    expect(response.status).toBe(422);
    expect(await stored()).toBeNull();
  });

  it('should store an accepted token encrypted at rest and send with it', async () => {
    const rotated = 'EAAB-rotated-token-for-encryption-test';
    h.graph.addPage({ pageId: PAGE_ID, accessToken: rotated });
    const response = await put(rotated);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ pageId: PAGE_ID, tokenStatus: 'valid' });
    const row = await stored();
    expect(row).toMatch(/^enc:v1:/);
    expect(row).not.toContain(rotated);
    await h.simulator.sendText(testPsid('rotated'), 'where is my order');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('rotated')).length === 1, 5000);
    expect(h.graph.sentMessages(testPsid('rotated'))[0].accessToken).toBe(rotated);
    expect(h.graph.sentMessages(testPsid('rotated'))[0].accessToken).not.toBe(PAGE_TOKEN);
  });
});
