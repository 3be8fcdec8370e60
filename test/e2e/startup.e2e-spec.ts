import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_MODE_CREDENTIALS } from '@app/config';
import { eventually } from '../helpers/ccm-harness';
import { spawnCcm, testPort } from '../helpers/ccm-process';

describe('ccm process startup', () => {
  jest.setTimeout(60_000);

  it('should exit non-zero naming FB_ROUTING_POLICY and FACEBOOK_APP_SECRET in one message', async () => {
    const child = spawnCcm({
      FB_ROUTING_POLICY: 'SOMETIMES',
      FACEBOOK_VERIFY_TOKEN: 'verify',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'EAAB-secret-page-token',
    });
    const code = await child.exited;
    expect(code).not.toBe(0);
    const out = child.output();
    expect(out).toContain('Invalid configuration (2 problems)');
    expect(out).toMatch(/FB_ROUTING_POLICY: must be one of DEFAULT, BOT_ONLY, AGENT_ONLY/);
    expect(out).toMatch(/FACEBOOK_APP_SECRET: must be set/);
    expect(out).not.toContain('EAAB-secret-page-token');
  });

  it('should come up in local mode with no .env and answer the GET handshake', async () => {
    const port = testPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'ccm-start-'));
    const child = spawnCcm({ PORT: String(port), DATABASE_URL: `sqlite:${join(dataDir, 'ccm.sqlite')}` });
    try {
      const response = await eventually(
        async () => {
          const r = await fetch(
            `http://127.0.0.1:${port}/ccm/webhook?hub.mode=subscribe&hub.verify_token=${LOCAL_MODE_CREDENTIALS.verifyToken}&hub.challenge=777`,
          );
          return r.status === 200 ? r : undefined;
        },
        40_000,
        250,
      );
      expect(await response.text()).toBe('777');
      // The banner follows the demo agent's creation, a moment after the port opens.
      await eventually(async () => child.output().includes('LOCAL MODE'), 20_000, 100);
      expect(child.output()).toContain('npm run simulate');
    } finally {
      await child.kill('SIGTERM');
    }
  });
});
