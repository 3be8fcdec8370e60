import { CcmHarness, startCcm } from '../helpers/ccm-harness';

describe('security headers (@fastify/helmet)', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm();
  });
  afterAll(() => h.close());

  it('should send nosniff, no framing and a strict CSP on API answers', async () => {
    for (const path of ['/health/live', '/api/agents/me', '/api/nope']) {
      const response = await fetch(`${h.url}${path}`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
    }
  });

  it('should keep the desk page policy: scripts from self only, no unsafe-inline, no framing', async () => {
    const response = await fetch(`${h.url}/agent`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
