import { Injectable, Logger, Optional } from '@nestjs/common';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { CcmConfig } from '@app/config';
import { CcmMetrics, ConversationKey } from './ccm-metrics.service';
import { configuredSecrets } from './logging/logger-options';
import { correlationIdOf, runWithCorrelation } from './logging/correlation';
import { writeLogLine } from './logging/request-line';

/** What the intake knows of an accepted event. */
export interface TrailEvent extends ConversationKey {
  kind: string;
  dedupeKey: string;
}

const CONTEXT = 'Intake';

/**
 * The first step of an inbound event's trail: counted in the metrics, and one log line per event
 * with the correlation id that the processor, the bot, the outbox and the send repeat.
 *
 * With structured logs (Nest logging through nestjs-pino) the line is written in one piece
 * (`writeLogLine`: the line nestjs-pino would write — level, time, bindings, correlation id,
 * `context`, message — without pino's per-line hooks, ~15 µs per event), and not at all, correlation
 * id included, when its level is off. Otherwise (plain Nest logging, e.g. the bench and tests) it goes
 * through Nest's Logger.
 */
@Injectable()
export class EventTrail {
  private readonly logger = new Logger(CONTEXT);
  private readonly secrets: readonly string[];

  constructor(
    private readonly metrics: CcmMetrics,
    @Optional() config?: CcmConfig,
  ) {
    this.secrets = config ? configuredSecrets(config) : [];
  }

  received(events: readonly TrailEvent[], duplicates: number, receivedAt = Date.now()): void {
    this.metrics.eventsReceived(events, duplicates, receivedAt);
    const structured = structuredLogger();
    if (structured && !structured.pino.isLevelEnabled('info')) return;
    for (const event of events) {
      const msg = `inbound ${event.channel} ${event.kind} for page ${event.pageId} received`;
      runWithCorrelation(correlationIdOf(event.dedupeKey), () => {
        if (!structured || !writeLogLine(structured.pino, 'info', structured.context, msg, this.secrets)) this.logger.log(msg);
      });
    }
    if (duplicates > 0) this.logger.log(`${duplicates} of ${events.length} events were duplicates (already recorded)`);
  }
}

/**
 * The pino logger (and the serialized `context` field) that Nest's Logger writes an `Intake` line to
 * when the app logs through nestjs-pino (`app.useLogger`), as nestjs-pino picks it: the request's
 * logger inside a request, else the root one. Undefined with any other logger (Nest's console logger,
 * local mode's wrapper).
 */
function structuredLogger(): { pino: Pino; context: string } | undefined {
  const target = (Logger as unknown as { staticInstanceRef?: unknown }).staticInstanceRef;
  if (!(target instanceof NestPinoLogger)) return undefined;
  const internals = target as unknown as { logger?: { logger?: Pino }; contextName?: string };
  const pino = internals.logger?.logger;
  if (!pino) return undefined;
  return { pino, context: `,${JSON.stringify(internals.contextName ?? 'context')}:${JSON.stringify(CONTEXT)}` };
}
