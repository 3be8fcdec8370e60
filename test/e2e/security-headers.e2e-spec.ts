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

  it('should give webhook answers (served ahead of Fastify) the same security headers as every other answer', async () => {
    const api = await fetch(`${h.url}/health/live`);
    const webhook = await h.simulator.post({ object: 'page', entry: [] }, 'sha256=' + 'f'.repeat(64));
    expect(webhook.status).toBe(403);
    const security = (r: Response) => {
      const headers: Record<string, string> = {};
      r.headers.forEach((value, name) => {
        if (!['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'x-request-id'].includes(name)) headers[name] = value;
      });
      return headers;
    };
    expect(security(webhook)).toEqual(security(api));
    expect(webhook.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
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
