import { createServer } from 'node:net';
import { Client } from 'pg';
import { DatabaseConfig } from '@app/config';

/** A startup problem that ends the process with one clear line (no stack trace). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Resolves whether something already listens on `port` (tried exactly as the server will bind it). */
export function isPortBusy(port: number, host = '0.0.0.0'): Promise<boolean> {
  if (port === 0) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(true);
      else if (error.code === 'EACCES') reject(new StartupError(`port ${port} needs more privileges than this process has (EACCES)`));
      else reject(error);
    });
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}

/**
 * Checks every port ccm is about to listen on before anything listens, and names each busy one with
 * the variable that sets it (a busy PORT is reported as PORT, not as the next port that happened to fail).
 */
export async function assertPortsFree(ports: readonly { variable: string; port: number; host?: string }[]): Promise<void> {
  const busy: string[] = [];
  for (const { variable, port, host } of ports) {
    if (await isPortBusy(port, host))
      busy.push(`${variable}: port ${port} is already in use by another process (stop it, or set ${variable} to a free port)`);
  }
  if (busy.length > 0) throw new StartupError(busy.join('\n  '));
}

/** host:port of a PostgreSQL URL, for messages (never the password). */
export function databaseHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  } catch {
    return 'the configured host';
  }
}

function causeOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] };
  // Node's happy-eyeballs connect wraps one error per address in an AggregateError without a message.
  const first = e?.errors?.[0] ?? e;
  const code = first?.code ? `${first.code}` : '';
  const message = (first?.message ?? String(error)).split('\n')[0];
  return code && !message.includes(code) ? `${code}: ${message}` : message || code || 'unknown error';
}

export interface WaitForDatabaseOptions {
  /** Give up after this long (0: one attempt). */
  timeoutMs: number;
  /** One line per failed attempt. */
  log: (line: string) => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Each attempt's own connect timeout. */
  attemptTimeoutMs?: number;
}

/**
 * PostgreSQL must be reachable before ccm starts its modules: a database that is still booting
 * (docker-compose, a restarted server) is retried with capped exponential backoff for a bounded time;
 * every failed attempt is one line naming the host and the cause, and giving up is one line too.
 * SQLite needs no wait.
 */
export async function waitForDatabase(database: DatabaseConfig, options: WaitForDatabaseOptions): Promise<void> {
  if (database.dialect !== 'postgres') return;
  const host = databaseHost(database.url);
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.firstDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: database.url, connectionTimeoutMillis: options.attemptTimeoutMs ?? 5000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const cause = causeOf(error);
      // Wrong password or a missing database will not fix itself: no point in retrying.
      const sqlState = (error as { code?: string }).code ?? '';
      if (/^(28|3D)/.test(sqlState)) throw new StartupError(`database at ${host} refused ccm (${cause})`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new StartupError(
          `database at ${host} is unreachable (${cause})${options.timeoutMs > 0 ? `; gave up after ${Math.round(options.timeoutMs / 1000)} s and ${attempt} attempts (DATABASE_CONNECT_TIMEOUT_MS)` : ''}`,
        );
      }
      const wait = Math.min(delay, left);
      options.log(`database at ${host} is unreachable (${cause}); retrying in ${(wait / 1000).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}
