import { Injectable, Logger } from '@nestjs/common';
import { CcmMetrics, ConversationKey } from './ccm-metrics.service';
import { correlationIdOf, runWithCorrelation } from './logging/correlation';

/** What the intake knows of an accepted event. */
export interface TrailEvent extends ConversationKey {
  kind: string;
  dedupeKey: string;
}

/**
 * The first step of an inbound event's trail: counted in the metrics, and one log line per event
 * with the correlation id that the processor, the bot, the outbox and the send repeat.
 */
@Injectable()
export class EventTrail {
  private readonly logger = new Logger('Intake');

  constructor(private readonly metrics: CcmMetrics) {}

  received(events: readonly TrailEvent[], duplicates: number, receivedAt = Date.now()): void {
    this.metrics.eventsReceived(events, duplicates, receivedAt);
    for (const event of events) {
      runWithCorrelation(correlationIdOf(event.dedupeKey), () =>
        this.logger.log(`inbound ${event.channel} ${event.kind} for page ${event.pageId} received`),
      );
    }
    if (duplicates > 0) this.logger.log(`${duplicates} of ${events.length} events were duplicates (already recorded)`);
  }
}
