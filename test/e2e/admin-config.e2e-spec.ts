import { APP_SECRET, PAGE2_TOKEN, PAGE_TOKEN, VERIFY_TOKEN, CcmHarness, startCcm } from '../helpers/ccm-harness';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';

describe('GET /api/admin/config', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, SEND_RATE_PER_PAGE: '77' } });
  });
  afterAll(() => h.close());

  it('should show the effective configuration with every secret redacted, to the admin key only', async () => {
    expect((await fetch(`${h.url}/api/admin/config`)).status).toBe(401);
    const response = await fetch(`${h.url}/api/admin/config`, { headers: { 'x-admin-key': ADMIN_KEY } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text) as { port: number; localMode: boolean };
    expect(body.localMode).toBe(false);
    expect(text).toContain('77');
    expect(text).toContain('[redacted]');
    for (const secret of [APP_SECRET, VERIFY_TOKEN, PAGE_TOKEN, PAGE2_TOKEN, ADMIN_KEY]) expect(text).not.toContain(secret);
  });
});
