import { Injectable, Optional } from '@nestjs/common';
import { CcmMetrics } from '@app/observability';
import { InboundEvent } from '@app/core';
import { NewInboundEvent, PersistenceService } from '@app/persistence';
import { InboundProcessor } from './inbound-processor.service';

/**
 * Durable intake: a channel's webhook controller hands its mapped events here. They are written to
 * the inbound journal in one transaction before the controller answers, so an acknowledged event is
 * never lost; processing happens afterwards, from the journal.
 */
@Injectable()
export class InboundIntakeService {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly processor: InboundProcessor,
    @Optional() private readonly metrics?: CcmMetrics,
  ) {}

  async accept(events: readonly InboundEvent[]): Promise<{ recorded: number; duplicates: number }> {
    if (events.length === 0) return { recorded: 0, duplicates: 0 };
    const now = Date.now();
    const recorded = await this.persistence.transaction(async (repos) => {
      const rows: NewInboundEvent[] = [];
      const conversationIds = new Map<string, string>();
      for (const event of events) {
        let conversationId: string | null = null;
        if (event.customerId) {
          const key = `${event.channel}|${event.pageId}|${event.customerId}`;
          conversationId = conversationIds.get(key) ?? null;
          if (!conversationId) {
            conversationId = (
              await repos.conversations.ensure({ channel: event.channel, pageId: event.pageId, customerId: event.customerId }, now)
            ).id;
            conversationIds.set(key, conversationId);
          }
        }
        rows.push({
          dedupe_key: event.dedupeKey,
          channel: event.channel,
          page_id: event.pageId,
          customer_id: event.customerId ?? null,
          conversation_id: conversationId,
          kind: event.kind,
          event_ts: event.timestamp,
          event: JSON.stringify(event),
          last_error: null,
          received_at: now,
          processed_at: null,
        });
      }
      return repos.journal.record(rows);
    });
    this.processor.kick();
    this.metrics?.eventsReceived(events, events.length - recorded, now);
    return { recorded, duplicates: events.length - recorded };
  }
}
