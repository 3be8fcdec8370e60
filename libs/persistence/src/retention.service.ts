import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Clock, ExtensionPoint, Extensions, PollingLoop } from '@app/core';
import { LeaderElection } from './leader-election';
import { PersistenceService } from './persistence.service';

const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface PruneCounts {
  inboundEvents: number;
  bridgeEvents: number;
  loginFailures: number;
  auditRows: number;
  /** What each `RETENTION_TASKS` extension deleted, by its name (e.g. `uploads`). */
  tasks: Record<string, number>;
}

/**
 * Something a feature lib keeps that must not grow without bound, pruned by the same hourly job on the
 * elected instance (e.g. the media lib's unsent uploads). The lib decides what may go; the job only
 * gives it the time and the days configured.
 */
export interface RetentionTask {
  /** Its key in `PruneCounts.tasks`. */
  readonly name: string;
  /** Deletes what is past its time at `now`; returns how many things it deleted. */
  prune(now: number): Promise<number>;
}

/** Where retention tasks plug in: `@Extends(RETENTION_TASKS)` on a provider. */
export const RETENTION_TASKS = new ExtensionPoint<RetentionTask>('retention-tasks');

/**
 * Deletes finished work so the tables do not grow without bound: processed inbound events (their
 * dedupe keys are kept at least two days, longer than Meta redelivers a webhook), delivered
 * chat-server events and old login failures after `RETENTION_DAYS`; admin audit rows after
 * `AUDIT_RETENTION_DAYS`; then every `RETENTION_TASKS` extension. Dead work is kept (an operator
 * replays or discards it), and messages are the transcript, never pruned. Runs hourly on the elected
 * instance only.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnApplicationShutdown {
  private readonly loop = new PollingLoop(
    'retention',
    async () => (this.election.isLeader && (await this.prune()), false),
    PRUNE_INTERVAL_MS,
  );

  constructor(
    private readonly persistence: PersistenceService,
    private readonly election: LeaderElection,
    private readonly config: CcmConfig,
    private readonly clock: Clock,
    private readonly extensions: Extensions,
  ) {}

  onModuleInit(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass; returns how many rows of each kind it deleted. */
  async prune(): Promise<PruneCounts> {
    const now = this.clock.now();
    const workCutoff = now - this.config.work.retentionDays * DAY_MS;
    const auditCutoff = now - this.config.work.auditRetentionDays * DAY_MS;
    const db = this.persistence.db;
    const [inbound, bridge, logins, audit] = await Promise.all([
      db.deleteFrom('inbound_events').where('status', '=', 'done').where('processed_at', '<', workCutoff).executeTakeFirst(),
      db.deleteFrom('bridge_outbox').where('status', '=', 'delivered').where('delivered_at', '<', workCutoff).executeTakeFirst(),
      db.deleteFrom('login_failures').where('failed_at', '<', workCutoff).executeTakeFirst(),
      db.deleteFrom('admin_audit').where('created_at', '<', auditCutoff).executeTakeFirst(),
    ]);
    const tasks: Record<string, number> = {};
    for (const task of this.extensions.get(RETENTION_TASKS)) tasks[task.name] = await task.prune(now);
    return {
      inboundEvents: Number(inbound.numDeletedRows),
      bridgeEvents: Number(bridge.numDeletedRows),
      loginFailures: Number(logins.numDeletedRows),
      auditRows: Number(audit.numDeletedRows),
      tasks,
    };
  }
}
