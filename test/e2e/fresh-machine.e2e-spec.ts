import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const SCRIPT = join(ROOT, 'test', 'tools', 'ensure-chromium.sh');
const INSTALL = 'apt-get install -y --no-install-recommends chromium';

/**
 * Issue 15, item 3: `npm ci && npm test` on a fresh machine. The browser provisioning script runs on a
 * PATH of stand-ins (`id`, `apt-get`, `chromium`), so every branch runs here whoever runs the tests.
 */
describe('fresh machine: ensure-chromium.sh (run by npm test before anything else)', () => {
  let bin: string;
  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'ccm-fresh-'));
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  /** `uid` is what `id -u` answers; `aptGet` the stand-in's body (it logs its arguments to apt.log). */
  const run = (options: { uid: number; aptGet?: string; env?: Record<string, string> }) => {
    rmSync(join(bin, 'apt.log'), { force: true });
    stub('id', `echo ${options.uid}`);
    if (options.aptGet !== undefined) stub('apt-get', `echo "$@" >> "${join(bin, 'apt.log')}"\n${options.aptGet}`);
    const result = spawnSync('/bin/bash', [SCRIPT], { env: { PATH: bin, ...options.env }, encoding: 'utf8' });
    const aptLog = existsSync(join(bin, 'apt.log')) ? readFileSync(join(bin, 'apt.log'), 'utf8').trim().split('\n') : [];
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, aptLog };
  };

  it('should say nothing and succeed when chromium is on the PATH', () => {
    stub('chromium', 'exit 0');
    expect(run({ uid: 0, aptGet: 'exit 1' })).toEqual({ code: 0, stdout: '', stderr: '', aptLog: [] });
  });

  it('should install Debian chromium with apt-get when root and it is missing', () => {
    // apt-get puts the binary on the PATH, as Debian's package does (/usr/bin/chromium).
    const result = run({
      uid: 0,
      aptGet: `[ "$1" = install ] && printf '#!/bin/bash\\n' > "${bin}/chromium" && /bin/chmod +x "${bin}/chromium"; exit 0`,
    });
    expect(result.code).toBe(0);
    expect(result.aptLog).toEqual(['update -qq', 'install -y -qq --no-install-recommends chromium']);
    expect(result.stdout).toContain(`chromium installed at ${bin}/chromium`);
    expect(result.stderr).toBe('');
  });

  it('should print one line with the exact command when not root (and install nothing)', () => {
    const result = run({ uid: 1000, aptGet: 'exit 0' });
    expect(result.code).toBe(1);
    expect(result.aptLog).toEqual([]);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(`run: sudo ${INSTALL}`)]);
  });

  it('should end with the command to run when apt-get fails, and refuse a CHROMIUM_PATH that is not a program', () => {
    const failed = run({ uid: 0, aptGet: 'echo "E: Unable to locate package chromium" >&2; exit 100' });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n').at(-1)).toContain(
      `installing chromium with apt-get failed (see above); fix that, then run: ${INSTALL}`,
    );

    const wrongPath = run({ uid: 0, aptGet: 'exit 0', env: { CHROMIUM_PATH: join(bin, 'nothing-here') } });
    expect(wrongPath.code).toBe(1);
    expect(wrongPath.aptLog).toEqual([]);
    expect(wrongPath.stderr.trim().split('\n')).toEqual([expect.stringContaining('is not an executable file')]);
  });
});

describe('fresh machine: the two commands', () => {
  it('should run ensure-chromium.sh and the desk build before the tests, and .ci/run should only start services and run the README command', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.pretest).toBe('bash test/tools/ensure-chromium.sh && npm run build:desk');
    const readmeSecond = /^npm ci && npm test\b/m.exec(read('README.md'));
    expect(readmeSecond).not.toBeNull();
    const commands = read('.ci/run')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(commands.at(-1)).toBe('npm ci && npm test');
    // Nothing else of the test run's own: no npm, no browser, no apt-get before it.
    expect(commands.slice(0, -1).filter((l) => /\bnpm\b|chromium|apt-get|playwright/.test(l))).toEqual([]);
  });

  it('should make npm ci print the output of long install scripts (compiling better-sqlite3) instead of a silent minute', () => {
    const result = spawnSync('npm', ['config', 'get', 'foreground-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect([result.status, result.stdout.trim()]).toEqual([0, 'true']);
  });
});
