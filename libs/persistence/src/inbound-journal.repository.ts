import { Insertable, Kysely } from 'kysely';
import { Database, InboundEventRow, InboundEventsTable } from './database.types';

/** Rows per INSERT: 11 columns × 400 stays well under SQLite's 32,766 bound parameters. */
const JOURNAL_INSERT_CHUNK = 400;

export type NewInboundEvent = Omit<Insertable<InboundEventsTable>, 'status' | 'attempts' | 'next_attempt_at'>;

/**
 * The inbound journal: every accepted webhook event is written here before Meta gets its 200, and
 * processed from here afterwards. The unique `dedupe_key` makes redeliveries no-ops.
 */
export class InboundJournalRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records events; returns how many were new (duplicates are ignored). */
  async record(events: readonly NewInboundEvent[]): Promise<number> {
    return (await this.recordNew(events)).size;
  }

  /**
   * Records events with multi-row inserts (duplicates of an existing or an earlier row ignored) and
   * returns the dedupe keys that were new. One statement per chunk instead of one per event.
   */
  async recordNew(events: readonly NewInboundEvent[]): Promise<Set<string>> {
    const fresh = new Set<string>();
    const seen = new Set<string>();
    const unique = events.filter((e) => !seen.has(e.dedupe_key) && seen.add(e.dedupe_key));
    for (let i = 0; i < unique.length; i += JOURNAL_INSERT_CHUNK) {
      const rows = await this.db
        .insertInto('inbound_events')
        .values(
          unique
            .slice(i, i + JOURNAL_INSERT_CHUNK)
            .map((event) => ({ ...event, status: 'pending', attempts: 0, next_attempt_at: event.received_at })),
        )
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .returning('dedupe_key')
        .execute();
      for (const row of rows) fresh.add(row.dedupe_key);
    }
    return fresh;
  }

  /** Conversations that have pending events due now (oldest first). */
  async dueConversations(now: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('inbound_events')
      .select('conversation_id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where('conversation_id', 'is not', null)
      .groupBy('conversation_id')
      .orderBy((eb) => eb.fn.min('id'))
      .limit(limit)
      .execute();
    return rows.map((r) => r.conversation_id as string);
  }

  /** Page-level events (no customer, e.g. policy enforcement) due now. */
  async duePageEvents(now: number, limit: number): Promise<InboundEventRow[]> {
    return this.db
      .selectFrom('inbound_events')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where('conversation_id', 'is', null)
      .orderBy('event_ts')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** A conversation's pending events in the order they happened (Meta's timestamp, then arrival). */
  async pendingFor(conversationId: string): Promise<InboundEventRow[]> {
    return this.db
      .selectFrom('inbound_events')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('status', '=', 'pending')
      .orderBy('event_ts')
      .orderBy('id')
      .execute();
  }

  async markDone(id: number, now: number): Promise<void> {
    await this.db
      .updateTable('inbound_events')
      .set({ status: 'done', processed_at: now, lease_until: null })
      .where('id', '=', id)
      .execute();
  }

  async markRetry(id: number, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.db
      .updateTable('inbound_events')
      .set({ attempts, next_attempt_at: nextAttemptAt, last_error: error })
      .where('id', '=', id)
      .execute();
  }

  async markDead(id: number, attempts: number, error: string, now: number): Promise<void> {
    await this.db
      .updateTable('inbound_events')
      .set({ status: 'dead', attempts, last_error: error, processed_at: now })
      .where('id', '=', id)
      .execute();
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('inbound_events')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async listDead(limit = 100): Promise<InboundEventRow[]> {
    return this.db.selectFrom('inbound_events').selectAll().where('status', '=', 'dead').orderBy('id').limit(limit).execute();
  }

  /** Puts a dead event back in line (an operator fixed the cause). Returns false if it was not dead. */
  async replay(id: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('inbound_events')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, processed_at: null })
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
