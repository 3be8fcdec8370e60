import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Clock, PollingLoop } from '@app/core';
import { LeaderElection } from './leader-election';
import { PersistenceService } from './persistence.service';

const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface PruneCounts {
  inboundEvents: number;
  bridgeEvents: number;
  loginFailures: number;
  auditRows: number;
}

/**
 * Deletes finished work so the tables do not grow without bound: processed inbound events (their
 * dedupe keys are kept at least two days, longer than Meta redelivers a webhook), delivered
 * chat-server events and old login failures after `RETENTION_DAYS`; admin audit rows after
 * `AUDIT_RETENTION_DAYS`. Dead work is kept (an operator replays or discards it), and messages are
 * the transcript, never pruned. Runs hourly on the elected instance only.
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
    return {
      inboundEvents: Number(inbound.numDeletedRows),
      bridgeEvents: Number(bridge.numDeletedRows),
      loginFailures: Number(logins.numDeletedRows),
      auditRows: Number(audit.numDeletedRows),
    };
  }
}
