import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCcm, testPort } from '../helpers/ccm-process';

jest.setTimeout(60_000);

/** The local addresses (hex, as in /proc/net/tcp) that listen on `port`. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') // 0A = LISTEN
    .map((cols) => cols[1].split(':')[0]);
}

describe('local mode safety', () => {
  const sqlite = () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'ccm-local-')), 'ccm.sqlite')}`;

  it('should refuse to start with NODE_ENV=production and no Facebook credentials, naming the variables in one message', async () => {
    const child = spawnCcm({ NODE_ENV: 'production', PORT: String(testPort()), DATABASE_URL: sqlite() });
    expect(await child.exited).toBe(1);
    const out = child.output();
    expect(out).toContain('ccm cannot start');
    expect(out).toMatch(/NODE_ENV=production without FACEBOOK_APP_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN and FACEBOOK_VERIFY_TOKEN/);
    expect(out).not.toMatch(/listening on/);
    expect(out.match(/ccm cannot start/g)).toHaveLength(1);
  });

  it('should listen on loopback only in local mode, unless LOCAL_MODE_BIND says otherwise', async () => {
    const port = testPort();
    const child = spawnCcm({ PORT: String(port), DATABASE_URL: sqlite() });
    try {
      await child.ready(port);
      expect(listeningAddresses(port)).toEqual(['0100007F']); // 127.0.0.1
    } finally {
      await child.kill('SIGTERM');
    }
    const exposedPort = testPort();
    const exposed = spawnCcm({ PORT: String(exposedPort), DATABASE_URL: sqlite(), LOCAL_MODE_BIND: '0.0.0.0' });
    try {
      await exposed.ready(exposedPort);
      expect(listeningAddresses(exposedPort)).toEqual(['00000000']); // 0.0.0.0
    } finally {
      expect(await exposed.kill('SIGTERM')).toBe(0);
    }
  });
});
