import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DatabaseConfig } from '@app/config';

export interface LeaderElectionOptions {
  database: DatabaseConfig;
  /** How often a follower tries to take over, and the leader checks its connection. */
  retryMs?: number;
  /** Names the election's session in `pg_stat_activity` (default `ccm-leader-election`). */
  applicationName?: string;
  logger?: Logger;
}

/**
 * Elects the one instance that runs the singleton loops (push routing, queue notices, token checks):
 * on PostgreSQL the holder of a session-level advisory lock, kept on a connection of its own. When the
 * leader dies its connection closes, PostgreSQL releases the lock, and a follower takes it on its next
 * try (failover within `retryMs`). On SQLite there is only ever one instance, which leads.
 */
export class LeaderElection {
  private leader: boolean;
  private client?: Client;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly retryMs: number;
  private readonly logger: Logger;
  private readonly lockKey: [number, number];
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly options: LeaderElectionOptions) {
    this.leader = options.database.dialect === 'sqlite';
    this.retryMs = options.retryMs ?? 2000;
    this.logger = options.logger ?? new Logger(LeaderElection.name);
    // One lock per database and schema (tests isolate instances by schema).
    const digest = createHash('sha256').update(`ccm-singletons ${options.database.url}`).digest();
    this.lockKey = [digest.readInt32BE(0), digest.readInt32BE(4)];
  }

  /** Whether this instance runs the singleton loops right now. */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Called when this instance becomes the leader (e.g. to kick a loop at once). */
  onLeadership(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** First attempt now (awaited), then keeps trying (follower) or checking (leader). */
  async start(): Promise<void> {
    if (this.options.database.dialect === 'sqlite') return;
    this.stopped = false;
    await this.attempt();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.leader = false;
    const client = this.client;
    this.client = undefined;
    // Closing the session releases the advisory lock for the next leader.
    await client?.end().catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.attempt().finally(() => this.schedule()), this.retryMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    try {
      if (!this.client) this.client = await this.connect();
      if (this.leader) {
        await this.client.query('select 1'); // still connected, so still holding the lock
        return;
      }
      const result = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', this.lockKey);
      if (result.rows[0]?.ok && !this.stopped) {
        this.leader = true;
        this.logger.log('this instance now runs the singleton loops (push routing, queue notices, token checks)');
        for (const listener of this.listeners) listener();
      }
    } catch (error) {
      this.lose(error);
    }
  }

  private async connect(): Promise<Client> {
    const url = new URL(this.options.database.url);
    url.searchParams.delete('schema');
    const client = new Client({
      connectionString: url.toString(),
      application_name: this.options.applicationName ?? 'ccm-leader-election',
    });
    // A broken connection means the lock is gone (the server ends the session): step down at once.
    client.on('error', (error) => this.lose(error));
    await client.connect();
    return client;
  }

  private lose(error: unknown): void {
    if (this.leader)
      this.logger.warn(`leadership lost (${error instanceof Error ? error.message : String(error)}); another instance takes over`);
    this.leader = false;
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
  }
}
