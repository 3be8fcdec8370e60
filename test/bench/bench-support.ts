/**
 * What the bench's scripts share: the pinned child processes (servers on core 0, load client and
 * Graph double on core 1), ccm's environment for the bench's 10 Pages, and throw-away databases.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { LoadOptions, LoadResult } from './bench-load';

export const ROOT = join(__dirname, '..', '..');
export const SECRET = 'bench-app-secret-0123456789abcdef';
export const PAGES = Array.from({ length: 10 }, (_, i) => ({ pageId: String(1000000001 + i), accessToken: `EAAB-bench-token-${i}` }));
export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const PINNED = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

// ---- processes -------------------------------------------------------------------------------

export interface Pinned {
  child: ChildProcess;
  url: string;
  ask<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export function nodeCommand(core: number, script: string, args: string[]): [string, string[]] {
  // BENCH_CPU_PROF=<dir>: the servers write V8 CPU profiles there (open in Chrome DevTools).
  const profile =
    process.env.BENCH_CPU_PROF && script === 'bench-server.ts' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const node = [process.execPath, '--expose-gc', ...profile, '-r', '@swc-node/register', join(__dirname, script), ...args];
  return PINNED ? ['taskset', ['-c', String(core), ...node]] : [node[0], node.slice(1)];
}

export async function startPinned(core: number, script: string, args: string[], env: Record<string, string>): Promise<Pinned> {
  const [cmd, cmdArgs] = nodeCommand(core, script, args);
  const child = spawn(cmd, cmdArgs, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000); // the last lines, for an error report
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const readUntilReady = (d: Buffer) => {
      buffered += d.toString();
      const match = /READY (\S+)/.exec(buffered);
      if (!match) return;
      // From here on the server's stdout (its log lines, as in production) is read and dropped at
      // once: kept and re-scanned it cost this process quadratic time, the pipe filled, and the
      // server's synchronous log writes blocked on it — a cost of the bench, not of ccm.
      child.stdout!.off('data', readUntilReady);
      child.stdout!.on('data', () => undefined);
      buffered = '';
      resolve(match[1]);
    };
    child.stdout!.on('data', readUntilReady);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${output}`)));
  });
  return handle(child, url);
}

/** IPC requests (`ask`) and a clean stop for a child started with an IPC channel. */
function handle(child: ChildProcess, url: string): Pinned {
  let seq = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  child.on('message', (m: { id: number; result: unknown }) => waiting.get(m.id)?.(m.result));
  return {
    child,
    url,
    ask<T>(message: Record<string, unknown>): Promise<T> {
      const id = ++seq;
      return new Promise<T>((resolve) => {
        waiting.set(id, resolve as (value: unknown) => void);
        child.send({ ...message, id });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The built entry point `npm start` and the Docker image run. */
export const BUILT_ENTRY = join(ROOT, 'dist', 'apps', 'ccm', 'apps', 'ccm', 'src', 'main.js');

/** The node flags `npm start` runs ccm with (those between `node` and the entry in the script). */
export function startScriptNodeFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const match = /node ((?:--\S+ )*)dist\/apps\/ccm\/apps\/ccm\/src\/main\.js/.exec(scripts.start);
  return (match?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
}

/**
 * ccm as production runs it, for memory figures: the built dist/ entry with `npm start`'s node flags
 * (or `flags`), pinned to `core`, answering `stats` and `memory` over IPC through the preloaded
 * test/bench/memory-probe.js. Not through the TypeScript loader the other bench servers use: its
 * compiler and the source maps it keeps cost ~85 MB of RSS that ccm does not have in production.
 * Call `node apps/ccm/tools/build-if-stale.js` first (the bench scripts do).
 */
export async function startBuilt(core: number, env: Record<string, string>, flags = startScriptNodeFlags()): Promise<Pinned> {
  const port = await freePort();
  const node = [process.execPath, '--expose-gc', ...flags, '-r', join(__dirname, 'memory-probe.js'), BUILT_ENTRY];
  const [cmd, args] = PINNED ? ['taskset', ['-c', String(core), ...node]] : [node[0], node.slice(1)];
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let errors = '';
  child.stdout!.on('data', () => undefined); // log lines, as in production; read and dropped
  child.stderr!.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-10_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ccm (built) exited (${child.exitCode}) before it was healthy:\n${errors}`);
    if (Date.now() > deadline) throw new Error(`ccm (built) not healthy within 60 s:\n${errors}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return handle(child, url);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const [cmd, args] = nodeCommand(1, 'bench-load.ts', [JSON.stringify(options)]);
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`bench-load failed (${code}): ${err}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

export function ccmEnv(graphUrl: string, databaseUrl: string): Record<string, string> {
  const [first, ...others] = PAGES;
  return {
    FACEBOOK_APP_SECRET: SECRET,
    FACEBOOK_VERIFY_TOKEN: 'bench-verify',
    FACEBOOK_PAGE_ID: first.pageId,
    FACEBOOK_PAGE_ACCESS_TOKEN: first.accessToken,
    FACEBOOK_PAGES: JSON.stringify(others.map((p, i) => ({ id: p.pageId, accessToken: p.accessToken, name: `Bench Page ${i + 2}` }))),
    FACEBOOK_GRAPH_API_URL: graphUrl,
    DATABASE_URL: databaseUrl,
    TOKEN_CHECK_INTERVAL_MS: '0',
  };
}

// ---- databases -------------------------------------------------------------------------------

export interface BenchDatabase {
  label: string;
  url: string;
  drop(): Promise<void>;
}

export function sqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'ccm-bench-'));
  return { label: 'SQLite', url: `sqlite:${join(dir, 'ccm.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export function postgresDatabase(): BenchDatabase {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return {
    label: 'PostgreSQL',
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}
