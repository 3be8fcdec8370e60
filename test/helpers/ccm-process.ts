import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './ccm-harness';

const ROOT = join(__dirname, '..', '..');

export interface CcmProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves when GET /health answers. */
  ready(port: number, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Runs ccm's real entry point (`apps/ccm/src/main.ts`) as its own process with exactly `env`. */
export function spawnCcm(env: Record<string, string>): CcmProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/ccm/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return {
    child,
    output: () => output,
    exited,
    async ready(port: number, timeoutMs = 40_000) {
      // A process that dies while starting (a busy port, a config error) fails at once, saying why.
      const died = exited.then((code) => {
        throw new Error(`ccm exited with ${code} before it was ready:\n${output.slice(-3000)}`);
      });
      died.catch(() => undefined); // handled here; a later exit is the test's business (see `exited`)
      await Promise.race([
        eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok, timeoutMs, 100),
        died,
      ]);
    },
    async kill(signal: NodeJS.Signals) {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * A free-ish even port per test file run (tests in one file run serially; port + 1 is left for the
 * simulator or a second instance). Taken below Linux's ephemeral range (32768–60999): a port in that
 * range can be handed meanwhile to any outgoing connection (PostgreSQL, Redis, HTTP) as its local
 * port, and the spawned ccm would then find it "already in use".
 */
export function testPort(): number {
  return 20000 + 2 * Math.floor(Math.random() * 6000);
}
