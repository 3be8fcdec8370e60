import { hash } from 'node:crypto';
import { AsyncContextSlot } from '@app/core';

const correlation = new AsyncContextSlot<string>();

/**
 * The correlation id of the work being done: every log line written inside `runWithCorrelation`
 * carries it (pino's mixin reads it). An inbound event's id is derived from its dedupe key, so the
 * intake, the processor (another process, maybe another instance), the bot, the outbox and the send
 * all name the same id without passing it around; outbound messages store it (messages.correlation_id).
 */
export function runWithCorrelation<T>(correlationId: string | null | undefined, work: () => T): T {
  return correlationId ? correlation.run(correlationId, work) : work();
}

export function currentCorrelationId(): string | undefined {
  return correlation.get();
}

/** `ev-` + 16 hex characters of SHA-256(dedupe key): stable across redeliveries and instances. */
export function correlationIdOf(dedupeKey: string): string {
  // One-shot `hash` (no Hash object per call): computed for every event received, processed and sent.
  return `ev-${hash('sha256', dedupeKey, 'hex').slice(0, 16)}`;
}
