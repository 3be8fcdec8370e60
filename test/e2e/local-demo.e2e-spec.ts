import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numericPsid } from '@app/graph-double';
import { eventually } from '../helpers/ccm-harness';
import { spawnCcm, testPort } from '../helpers/ccm-process';

const ROOT = join(__dirname, '..', '..');

/** Runs `npm run simulate`'s script (apps/ccm/src/simulate.ts) against ccm on `port`. */
function runSimulate(port: number, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/ccm/src/simulate.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port) },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Issue 15, item 2: `npm start` in local mode = ccm + the Messenger simulator + a demo agent, one clear banner. */
describe('local-mode demo (the entry point npm start runs)', () => {
  jest.setTimeout(90_000);

  it('should start the simulator, create the demo agent and print one block with both URLs and the login after the startup logs', async () => {
    const port = testPort(); // ccm on port, its simulator on port + 1
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

      // The demo agent attaches a file from disk — local mode has no public address (no
      // MEDIA_PUBLIC_BASE_URL): ccm uploads the bytes to the Page and the customer downloads the same bytes.
      const token = ((await login.json()) as { token: string }).token;
      const desk = async (path: string, init: { method?: string; body?: unknown; raw?: Uint8Array<ArrayBuffer>; type?: string } = {}) => {
        const response = await fetch(`http://127.0.0.1:${port}/api${path}`, {
          method: init.method ?? 'GET',
          headers: { authorization: `Bearer ${token}`, 'content-type': init.type ?? 'application/json' },
          body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
        });
        return (await response.json()) as any;
      };
      await fetch(`${sim}/customers/${customer.psid}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"I want to talk to a human"}',
      });
      const queued = await eventually(
        async () =>
          ((await desk('/conversations?state=queued')) as { id: string; customer: { id: string } }[]).find(
            (c) => c.customer.id === customer.psid,
          ),
        15_000,
        200,
      );
      await desk(`/conversations/${queued.id}/accept`, { method: 'POST', body: {} });
      const manual = Buffer.from('%PDF-1.4\n% the demo manual\n%%EOF\n');
      const attached = await desk(`/conversations/${queued.id}/attachments?filename=manual.pdf`, {
        method: 'POST',
        raw: new Uint8Array(manual),
        type: 'application/pdf',
      });
      expect(attached.url).toMatch(/^\/media\/[a-f0-9]{40}\/manual\.pdf$/);
      await desk(`/conversations/${queued.id}/messages`, {
        method: 'POST',
        body: { message: { kind: 'media', mediaType: 'file', url: attached.url, reusable: true } },
      });
      const file = await eventually(
        async () => {
          const { items } = (await (await fetch(`${sim}/customers/${customer.psid}/thread`)).json()) as {
            items: { from: string; message?: any }[];
          };
          return items.find((i) => i.from === 'page' && i.message?.attachment?.type === 'file')?.message.attachment.payload;
        },
        15_000,
        200,
      );
      expect(file.attachment_id).toEqual(expect.any(String));
      const downloaded = await fetch(new URL(file.url, `http://127.0.0.1:${port + 1}`));
      expect(Buffer.from(await downloaded.arrayBuffer()).equals(manual)).toBe(true);

      // npm run simulate: checked arguments, --help, rendered templates, --wait for replies.
      const help = await runSimulate(port, ['--help']);
      expect(help.code).toBe(0);
      expect(help.out).toContain('Usage: npm run simulate');
      const missing = await runSimulate(port, ['--psid']);
      expect(missing.code).toBe(2);
      expect(missing.out).toContain('--psid needs a value');
      const run = await runSimulate(port, ['--psid', 'cli-buyer', '--wait', '15', 'show me your products']);
      expect(run.code).toBe(0);
      expect(run.out).toContain('cli-buyer: show me your products');
      expect(run.out).toMatch(/ccm → cli-buyer: Here are our bestsellers:/);
      expect(run.out).toMatch(/1\/\d+ ▸ Sneaker model 1/);
      expect(run.out).toContain('[ Buy ]');
      const state = (await (await fetch(`${sim}/state`)).json()) as { customers: { psid: string }[] };
      expect(state.customers.map((c) => c.psid)).toContain(numericPsid('cli-buyer')); // a name given as --psid gets a numeric PSID
      expect(state.customers.map((c) => c.psid)).not.toContain('--help');
    } finally {
      await child.kill('SIGTERM');
    }
  });
});
