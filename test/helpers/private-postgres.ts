import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own: a fresh cluster in a temp directory, on its own port,
 * started and stopped by the test — so outage tests can stop "the database" without touching the
 * machine's PostgreSQL (which other tests and developers use).
 *
 * PostgreSQL refuses to run as root, so when the tests run as root (CI, this machine) every
 * `initdb`/`pg_ctl` runs as the `postgres` OS user (via `runuser`) and the temp directory is
 * handed to that user; as any other user it runs as that user.
 */
export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth). */
  readonly url: string;
  readonly dataDir: string;
  /** Stops the server (`pg_ctl stop`, fast mode by default: clients are disconnected at once). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data (after `stop`). */
  start(): Promise<void>;
  isRunning(): boolean;
  /** Stops the server if running and deletes its directory. */
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Fixed port; default: a free port picked by the OS. */
  port?: number;
}

/** Finds the PostgreSQL server binaries (`initdb`, `pg_ctl`): `PG_BIN`, Debian's layout, or PATH. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0], 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL server binaries not found: install postgresql or set PG_BIN to the directory holding initdb/pg_ctl');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function asRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** [command, args] running `bin/tool args` as the postgres user when we are root. */
function command(bin: string, tool: string, args: string[]): [string, string[]] {
  const path = join(bin, tool);
  return asRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'ccm-private-pg-'));
  if (asRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = options.port ?? (await freePort());
  const [initCmd, initArgs] = command(bin, 'initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  await run(initCmd, initArgs, { env: { ...process.env, LC_ALL: 'C' } });

  // Sockets in our own directory (the machine's /var/run/postgresql is the machine's server's);
  // fsync off: this cluster is thrown away, and a stopped server still flushes everything committed.
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=200`;
  let running = false;
  const pgCtl = async (args: string[]) => {
    const [cmd, cmdArgs] = command(bin, 'pg_ctl', args);
    await run(cmd, cmdArgs);
  };
  const start = async () => {
    await pgCtl(['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '30', 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    await pgCtl(['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
    running = false;
  };
  // Never leave a server behind if the test process ends abruptly.
  const onExit = () => {
    if (!running) return;
    const [cmd, args] = command(bin, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
    spawnSync(cmd, args, { stdio: 'ignore' });
  };
  process.once('exit', onExit);

  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    stop,
    start,
    isRunning: () => running,
    async destroy() {
      process.removeListener('exit', onExit);
      await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
