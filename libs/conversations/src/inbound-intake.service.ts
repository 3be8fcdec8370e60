import { Injectable, Logger, Optional, ServiceUnavailableException } from '@nestjs/common';
import { EventTrail } from '@app/observability';
import { BackgroundBudget, ConversationKey, InboundEvent } from '@app/core';
import { conversationKeyString, InboundJournalRepository, NewInboundEvent, PersistenceService } from '@app/persistence';
import { InboundOffer, InboundProcessor } from './inbound-processor.service';
import { KnownConversations } from './known-conversations';

/** Events written per group commit at most; the rest wait for the next one. */
const MAX_EVENTS_PER_COMMIT = 2000;

/** What a group commit added to the journal: the conversations with new events, and whether any event has none. */
interface NewEvents {
  conversations: Map<string, InboundOffer>;
  pageLevel: boolean;
}

interface PendingWrite {
  events: readonly InboundEvent[];
  resolve(result: { recorded: number; duplicates: number }): void;
  reject(error: unknown): void;
}

/**
 * Durable intake with group commit: a channel's webhook controller hands its mapped events here, and
 * they are written to the inbound journal before the controller answers, so an acknowledged event is
 * never lost; processing happens afterwards, from the journal.
 *
 * Webhooks arriving while a commit is being written are gathered and written together by the next
 * one: one transaction with one read of the conversations (an insert only for new customers) and
 * multi-row journal inserts that ignore duplicates — instead of one transaction and five statements
 * per webhook. Each caller's promise settles only after the transaction holding its events has
 * committed. If a group fails, each of its webhooks is retried alone, so one bad request cannot fail
 * its neighbours; a webhook whose events cannot be stored gets 503 (Meta delivers it again later).
 */
@Injectable()
export class InboundIntakeService {
  private readonly logger = new Logger(InboundIntakeService.name);
  private queue: PendingWrite[] = [];
  private writing = false;

  constructor(
    private readonly persistence: PersistenceService,
    private readonly processor: InboundProcessor,
    /** Conversations whose row this instance saw committed: a known customer's webhook reads none. */
    private readonly known: KnownConversations = new KnownConversations(),
    @Optional() private readonly trail?: EventTrail,
    @Optional() private readonly budget: BackgroundBudget = BackgroundBudget.shared,
  ) {}

  accept(events: readonly InboundEvent[]): Promise<{ recorded: number; duplicates: number }> {
    if (events.length === 0) return Promise.resolve({ recorded: 0, duplicates: 0 });
    const received = Date.now();
    return new Promise<{ recorded: number; duplicates: number }>((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      // Let the webhooks that are already parsed in this turn of the event loop join the same commit,
      // which runs ahead of the next slice of background work (processing, sending).
      if (!this.writing) {
        this.writing = true;
        this.budget.foreground(() => void this.drain());
      }
    }).then((result) => {
      this.trail?.received(events, result.duplicates, received);
      return result;
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group: PendingWrite[] = [];
        let size = 0;
        while (this.queue.length > 0 && (group.length === 0 || size + this.queue[0].events.length <= MAX_EVENTS_PER_COMMIT)) {
          const next = this.queue.shift()!;
          group.push(next);
          size += next.events.length;
        }
        await this.commitGroup(group);
      }
    } finally {
      this.writing = false;
    }
  }

  private async commitGroup(group: PendingWrite[]): Promise<void> {
    // The conversations with new events are handed to the processor (no scan of the journal); a
    // Page-level event, or a group written webhook by webhook, kicks a claim pass instead.
    let fresh: NewEvents = { conversations: new Map(), pageLevel: true };
    try {
      const written = await this.write(group);
      fresh = written.fresh;
      group.forEach((w, i) => w.resolve(written.results[i]));
    } catch (error) {
      // What the group relied on may be what failed it (a remembered conversation the database no longer has).
      this.known.clear();
      if (group.length === 1) {
        group[0].reject(this.unavailable(error));
      } else {
        // Something in the group failed: write each webhook alone so only the culprit is refused.
        for (const w of group) {
          try {
            w.resolve((await this.write([w])).results[0]);
          } catch (single) {
            w.reject(this.unavailable(single));
          }
        }
      }
    }
    this.processor.offer(fresh.conversations.values());
    if (fresh.pageLevel) this.processor.kick();
  }

  /** One transaction for the whole group; returns each webhook's recorded/duplicate counts. */
  private async write(group: readonly PendingWrite[]): Promise<{ results: { recorded: number; duplicates: number }[]; fresh: NewEvents }> {
    const now = Date.now();
    const events: InboundEvent[] = [];
    for (const w of group) for (const e of w.events) events.push(e);
    // Each event's conversation key, and the id where this instance already knows it.
    const keys: (string | undefined)[] = [];
    const ids = new Map<string, string>();
    const unknown: ConversationKey[] = [];
    for (const e of events) {
      if (!e.customerId) {
        keys.push(undefined);
        continue;
      }
      const conversation = { channel: e.channel, pageId: e.pageId, customerId: e.customerId };
      const key = conversationKeyString(conversation);
      keys.push(key);
      const id = this.known.get(key);
      if (id) ids.set(key, id);
      else unknown.push(conversation);
    }
    // Every customer known and nothing but journal rows to write, in one INSERT (nearly every group
    // once the customers are known): that statement is atomic by itself, so it runs without a
    // transaction — no BEGIN and COMMIT round trip on PostgreSQL, no transaction around it on SQLite.
    // It commits before it resolves, as the transaction's COMMIT would.
    if (unknown.length === 0 && !events.some(recordsOwnSend)) {
      const rows = events.map((event, i) => toRow(event, keys[i], ids, now));
      if (InboundJournalRepository.writesInOneStatement(rows))
        return outcome(group, rows, await this.persistence.intakeJournal.recordNew(rows));
    }
    const learned = new Map<string, string>();
    const written = await this.persistence.transaction(async (repos) => {
      if (unknown.length > 0) {
        for (const [key, id] of await repos.conversations.ensureMany(unknown, now)) {
          ids.set(key, id);
          learned.set(key, id);
        }
      }
      const rows: NewInboundEvent[] = events.map((event, i) => toRow(event, keys[i], ids, now));
      const fresh = await repos.journal.recordNew(rows);
      // Meta's echo of our own send is the proof it went out: recorded now, not when the conversation's
      // backlog reaches the echo in the journal, so a send taken over after a crash sees it in time
      // (the outbox waits ECHO_WAIT_MS for it, then sends again).
      for (let i = 0; i < events.length; i++) {
        const e = events[i];
        const conversationId = rows[i].conversation_id;
        if (recordsOwnSend(e) && e.mid && conversationId && fresh.has(e.dedupeKey))
          await repos.messages.attachMid(e.ownMessageId, conversationId, e.mid);
      }
      return outcome(group, rows, fresh);
    }, GROUP_COMMIT);
    for (const [key, id] of learned) this.known.remember(key, id);
    return written;
  }

  private unavailable(error: unknown): ServiceUnavailableException {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(`webhook events could not be stored (answered 503; Meta will deliver them again): ${message}`);
    return new ServiceUnavailableException('events could not be stored durably; retry later');
  }
}

/** Meta's echo of a message ccm sent: its mid is recorded on the sent message in the same commit. */
function recordsOwnSend(event: InboundEvent): event is InboundEvent & { ownMessageId: NonNullable<InboundEvent['ownMessageId']> } {
  return event.kind === 'echo' && event.ownMessageId !== undefined;
}

/** Each webhook's recorded/duplicate counts, and the conversations (or Page-level events) with new events. */
function outcome(
  group: readonly PendingWrite[],
  rows: readonly NewInboundEvent[],
  fresh: ReadonlySet<string>,
): { results: { recorded: number; duplicates: number }[]; fresh: NewEvents } {
  const newEvents: NewEvents = { conversations: new Map(), pageLevel: false };
  for (const row of rows) {
    if (!fresh.has(row.dedupe_key)) continue;
    if (row.conversation_id) newEvents.conversations.set(row.conversation_id, { conversationId: row.conversation_id, pageId: row.page_id });
    else newEvents.pageLevel = true;
  }
  // A key new to the journal counts once, for the first webhook of the group that carried it.
  const counted = new Set<string>();
  const results = group.map((w) => {
    let recorded = 0;
    for (const e of w.events) {
      if (fresh.has(e.dedupeKey) && !counted.has(e.dedupeKey)) {
        counted.add(e.dedupeKey);
        recorded += 1;
      }
    }
    return { recorded, duplicates: w.events.length - recorded };
  });
  return { results, fresh: newEvents };
}

/** On PostgreSQL the group commit has a connection of its own (see INTAKE_CONNECTIONS in persistence). */
const GROUP_COMMIT = { intake: true } as const;

function toRow(event: InboundEvent, key: string | undefined, conversationIds: Map<string, string>, now: number): NewInboundEvent {
  let conversationId: string | null = null;
  if (key !== undefined) {
    conversationId = conversationIds.get(key) ?? null;
    if (!conversationId) throw new Error(`no conversation for ${event.channel} ${event.pageId}/${event.customerId}`);
  }
  return journalRow(event, conversationId, now);
}

/** The inbound journal's row for one event (the whole mapped event is kept as JSON). */
export function journalRow(event: InboundEvent, conversationId: string | null, receivedAt: number): NewInboundEvent {
  return {
    dedupe_key: event.dedupeKey,
    channel: event.channel,
    page_id: event.pageId,
    customer_id: event.customerId ?? null,
    conversation_id: conversationId,
    kind: event.kind,
    event_ts: event.timestamp,
    event: JSON.stringify(event),
    last_error: null,
    received_at: receivedAt,
    processed_at: null,
  };
}
