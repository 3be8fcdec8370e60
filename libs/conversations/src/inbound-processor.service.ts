import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { correlationIdOf, runWithCorrelation } from '@app/observability';
import { InboundEvent, PollingLoop } from '@app/core';
import { InboundEventRow, PersistenceService } from '@app/persistence';
import { ConversationHandler } from './conversation-handler.service';
import { INSTANCE_ID } from './instance-id';
import { OutboxDispatcher } from './outbox-dispatcher.service';

/** How long one conversation's lease lasts; renewed per event, taken over after a crash. */
const LEASE_MS = 30_000;
/** Attempts before a poison event is parked as dead (visible to operators, replayable). */
export const MAX_EVENT_ATTEMPTS = 5;
const CONCURRENT_CONVERSATIONS = 8;

/**
 * Processes the inbound journal. Each conversation's events are applied one at a time, in Meta's
 * timestamp order, under the conversation's database lease — so two instances (or two ticks) never
 * work on the same conversation at once, while different conversations proceed in parallel.
 */
@Injectable()
export class InboundProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboundProcessor.name);
  private readonly loop = new PollingLoop('inbound-processor', () => this.tick(), 250);

  constructor(
    private readonly persistence: PersistenceService,
    private readonly handler: ConversationHandler,
    private readonly outbox: OutboxDispatcher,
    private readonly config: CcmConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Picks up whatever a previous process accepted but did not finish (crash between 200 and work).
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  kick(): void {
    this.loop.kick();
  }

  private async tick(): Promise<boolean> {
    const now = Date.now();
    const conversations = await this.persistence.repos.journal.dueConversations(now, 64);
    const pageEvents = await this.persistence.repos.journal.duePageEvents(now, 64);
    for (const row of pageEvents) await this.applyOne(row, undefined);

    let worked = pageEvents.length > 0;
    for (let i = 0; i < conversations.length; i += CONCURRENT_CONVERSATIONS) {
      const results = await Promise.all(conversations.slice(i, i + CONCURRENT_CONVERSATIONS).map((id) => this.drainConversation(id)));
      worked = worked || results.some(Boolean);
    }
    return worked;
  }

  /** Applies a conversation's pending events in order while holding its lease. */
  private async drainConversation(conversationId: string): Promise<boolean> {
    const repos = this.persistence.repos;
    if (!(await repos.conversations.tryLease(conversationId, INSTANCE_ID, Date.now(), LEASE_MS))) return false;
    let applied = 0;
    try {
      for (const row of await repos.journal.pendingFor(conversationId)) {
        // A later event waits while an earlier one is backing off, so order is kept.
        if (row.next_attempt_at > Date.now()) break;
        await repos.conversations.tryLease(conversationId, INSTANCE_ID, Date.now(), LEASE_MS);
        if (!(await this.applyOne(row, conversationId))) break;
        applied += 1;
      }
    } finally {
      await repos.conversations.releaseLease(conversationId, INSTANCE_ID);
    }
    if (applied > 0) this.outbox.kick();
    return applied > 0;
  }

  /** Returns false when the event must be retried later (later events of the conversation wait). */
  private async applyOne(row: InboundEventRow, conversationId: string | undefined): Promise<boolean> {
    try {
      const event = JSON.parse(row.event) as InboundEvent;
      await runWithCorrelation(correlationIdOf(row.dedupe_key), async () => {
        await this.handler.handle(row.id, event, conversationId);
        this.logger.log(`inbound event ${row.id} (${row.channel} ${row.kind}, conversation ${conversationId ?? '-'}) processed`);
      });
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const attempts = row.attempts + 1;
      const now = Date.now();
      if (attempts >= MAX_EVENT_ATTEMPTS) {
        this.logger.error(
          `inbound event ${row.id} (${row.kind}, conversation ${conversationId ?? '-'}) parked as dead after ${attempts} attempts: ${message}`,
        );
        await this.persistence.repos.journal.markDead(row.id, attempts, message, now);
        if (conversationId && row.kind === 'message') await this.handler.apologize(conversationId, row.event_ts).catch(() => undefined);
        return true;
      }
      this.logger.warn(
        `inbound event ${row.id} (${row.kind}, conversation ${conversationId ?? '-'}) failed, attempt ${attempts}: ${message}`,
      );
      await this.persistence.repos.journal.markRetry(
        row.id,
        attempts,
        now + this.config.webhook.retryBaseMs * 2 ** (attempts - 1),
        message,
      );
      return false;
    }
  }
}
