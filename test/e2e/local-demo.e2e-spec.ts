import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/ccm-harness';
import { spawnCcm } from '../helpers/ccm-process';

/** Issue 15, item 2: `npm start` in local mode = ccm + the Messenger simulator + a demo agent, one clear banner. */
describe('local-mode demo (the entry point npm start runs)', () => {
  jest.setTimeout(90_000);

  it('should start the simulator, create the demo agent and print one block with both URLs and the login after the startup logs', async () => {
    const port = 43000 + Math.floor(Math.random() * 1000) * 2;
    const dataDir = mkdtempSync(join(tmpdir(), 'ccm-demo-'));
    const child = spawnCcm({ PORT: String(port), DATABASE_URL: `sqlite:${join(dataDir, 'ccm.sqlite')}` });
    try {
      await eventually(
        async () => child.output().includes('Demo login:') || (child.child.exitCode !== null && Promise.reject(new Error(child.output()))),
        60_000,
        200,
      );
      const out = child.output();
      const banner = out.slice(out.indexOf('ccm is running in LOCAL MODE'));
      expect(banner).toContain(`Messenger simulator: http://127.0.0.1:${port + 1}/`);
      expect(banner).toContain(`Agent desk:          http://127.0.0.1:${port}/agent`);
      expect(banner).toMatch(/Demo login:\s+demo \/ demo-agent-password\n/);
      // The banner is plain output after the startup logs, not a warning; route mapping is debug-level.
      expect(out.indexOf('ccm listening on')).toBeLessThan(out.indexOf('ccm is running in LOCAL MODE'));
      expect(out).not.toMatch(/WARN[^\n]*LOCAL MODE/);
      expect(out).not.toContain('Mapped {');
      expect(out).not.toContain('RoutesResolver');

      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'demo', password: 'demo-agent-password' }),
      });
      expect(login.status).toBeLessThan(300);
      const page = await fetch(`http://127.0.0.1:${port + 1}/`);
      expect(await page.text()).toContain('Messenger simulator');

      // A customer on the simulator page gets the bot's answer through the real webhook.
      const sim = `http://127.0.0.1:${port + 1}/sim/api`;
      const customer = (await (
        await fetch(`${sim}/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Zed Demo"}' })
      ).json()) as { psid: string };
      await fetch(`${sim}/customers/${customer.psid}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"hello"}',
      });
      await eventually(
        async () => {
          const { items } = (await (await fetch(`${sim}/customers/${customer.psid}/thread`)).json()) as { items: { from: string }[] };
          return items.some((i) => i.from === 'page');
        },
        15_000,
        200,
      );
    } finally {
      await child.kill('SIGTERM');
    }
  });
});
