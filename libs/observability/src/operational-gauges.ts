import { Injectable, OnModuleInit } from '@nestjs/common';
import { sql } from 'kysely';
import { CcmConfig } from '@app/config';
import { AGENT_PRESENCE_TTL_MS } from '@app/core';
import { PersistenceService } from '@app/persistence';
import { CcmMetrics } from './ccm-metrics.service';
import { withTimeout } from './with-timeout';

/**
 * Gauges that describe state kept in the database (shared by every instance), read at scrape time:
 * outbox depth and age per Page, token and block state per Page, intake backlog, the agent queue and
 * agents online. A scrape never waits longer than HEALTH_DB_TIMEOUT_MS for them.
 */
@Injectable()
export class OperationalGauges implements OnModuleInit {
  constructor(
    private readonly metrics: CcmMetrics,
    private readonly persistence: PersistenceService,
    private readonly config: CcmConfig,
  ) {}

  onModuleInit(): void {
    this.metrics.addCollector(() => withTimeout(this.refresh(), this.config.operations.health.databaseTimeoutMs, 'database'));
  }

  async refresh(now = Date.now()): Promise<void> {
    const db = this.persistence.db;
    const [outbox, pages, journal, oldestPending, queue, agents] = await Promise.all([
      db
        .selectFrom('messages')
        .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
        .select([
          'conversations.page_id as page_id',
          (eb) => eb.fn.countAll<number>().as('n'),
          (eb) => eb.fn.min('messages.created_at').as('oldest'),
        ])
        // Literals: only then can PostgreSQL use the partial index of queued messages (migration 0397).
        .where('messages.direction', '=', sql.lit('out'))
        .where('messages.status', '=', sql.lit('queued'))
        .groupBy('conversations.page_id')
        .execute(),
      this.persistence.repos.pageStates.list(),
      this.persistence.repos.journal.backlog(),
      db
        .selectFrom('inbound_events')
        .select((eb) => eb.fn.min('received_at').as('oldest'))
        .where('status', '=', sql.lit('pending'))
        .executeTakeFirst(),
      db
        .selectFrom('conversations')
        .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('queued_at').as('oldest')])
        .where('state', '=', 'QUEUED')
        .executeTakeFirst(),
      db
        .selectFrom('agents')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('disabled', '=', 0)
        .where('last_seen_at', '>=', now - AGENT_PRESENCE_TTL_MS)
        .groupBy('status')
        .execute(),
    ]);
    const m = this.metrics;
    m.outboxDepth.reset();
    m.outboxOldestAge.reset();
    for (const page of this.config.pages) if (page.pageId) m.outboxDepth.set({ page_id: page.pageId }, 0);
    for (const row of outbox) {
      m.outboxDepth.set({ page_id: row.page_id }, Number(row.n));
      m.outboxOldestAge.set({ page_id: row.page_id }, ageSeconds(now, row.oldest));
    }
    const states = new Map(pages.map((p) => [p.page_id, p]));
    for (const pageId of new Set([...this.config.pages.map((p) => p.pageId).filter((id): id is string => !!id), ...states.keys()])) {
      const state = states.get(pageId);
      m.tokenValid.set({ page_id: pageId }, state?.token_status === 'invalid' ? 0 : 1);
      m.pageBlocked.set({ page_id: pageId }, state?.blocked ? 1 : 0);
      m.subscriptionOk.set({ page_id: pageId }, state?.subscription_status === 'missing' ? 0 : 1);
    }
    m.intakeBacklog.set(journal.pending);
    m.inboundDead.set(journal.dead);
    m.intakeLag.set(ageSeconds(now, oldestPending?.oldest));
    m.queueLength.set(Number(queue?.n ?? 0));
    m.queueOldestWait.set(ageSeconds(now, queue?.oldest));
    m.agentsOnline.reset();
    m.agentsOnline.set({ status: 'available' }, 0);
    m.agentsOnline.set({ status: 'away' }, 0);
    for (const row of agents) m.agentsOnline.set({ status: row.status }, Number(row.n));
  }
}

function ageSeconds(now: number, since: unknown): number {
  return since === null || since === undefined ? 0 : Math.max(0, now - Number(since)) / 1000;
}
