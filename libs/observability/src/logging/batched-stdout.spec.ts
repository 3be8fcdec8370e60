import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs `script` in a fresh node process with batchedStdout in scope; returns what it wrote to stdout. */
function run(script: string): { stdout: string; stderr: string; status: number | null } {
  const module = JSON.stringify(join(__dirname, 'batched-stdout.ts'));
  const result = spawnSync(
    process.execPath,
    ['-r', '@swc-node/register', '-e', `const { batchedStdout } = require(${module}); ${script}`],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe('batchedStdout', () => {
  it('should write every line, in order, also when the process dies of an uncaught error right after logging', () => {
    const { stdout, status } = run(`
      const out = batchedStdout();
      for (let i = 0; i < 3; i++) out.write('line ' + i + '\\n');
      setTimeout(() => { out.write('last words\\n'); throw new Error('boom'); }, 30);
    `);
    expect(status).toBe(1);
    expect(stdout).toBe('line 0\nline 1\nline 2\nlast words\n');
  });

  it('should write many lines larger than its buffer completely and in order, with no fsync of the output', () => {
    const { stdout, stderr, status } = run(`
      const fs = require('node:fs');
      fs.fsyncSync = fs.fsync = () => process.stderr.write('fsync called\\n');
      const out = batchedStdout();
      for (let i = 0; i < 5000; i++) out.write('line ' + i + ' ' + 'x'.repeat(40) + '\\n');
      out.write('é\\n');
    `);
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.slice(0, 5000)).toEqual(Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`));
    expect(lines.slice(5000)).toEqual(['é', '']);
    expect(stderr).toBe('');
  });

  it('should write a line within milliseconds while the process keeps running, not only at exit', async () => {
    const module = JSON.stringify(join(__dirname, 'batched-stdout.ts'));
    const child = spawn(process.execPath, [
      '-r',
      '@swc-node/register',
      '-e',
      `require(${module}).batchedStdout().write('early\\n'); setInterval(() => undefined, 1000);`,
    ]);
    try {
      // The line arrives while the child is still alive (it runs until killed).
      const first = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(d.toString()));
        child.once('exit', () => reject(new Error('exited before its line was written')));
        setTimeout(() => reject(new Error('not written within 2 s')), 2000).unref();
      });
      expect(first).toBe('early\n');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
