import { Insertable, Kysely } from 'kysely';
import { Database, InboundEventsTable } from './database.types';
import { QueryTemplate } from './query-template';

/** Rows per INSERT: 11 columns × 400 stays well under SQLite's 32,766 bound parameters. */
const JOURNAL_INSERT_CHUNK = 400;

export type NewInboundEvent = Omit<Insertable<InboundEventsTable>, 'status' | 'attempts' | 'next_attempt_at'>;

// Statements run for every event (see QueryTemplate).
const MARK_DONE = new QueryTemplate((db, id: number, now: number) =>
  db.updateTable('inbound_events').set({ status: 'done', processed_at: now, lease_until: null }).where('id', '=', id),
);
const HAS_PENDING = new QueryTemplate((db, conversationId: string) =>
  db.selectFrom('inbound_events').select('id').where('conversation_id', '=', conversationId).where('status', '=', 'pending').limit(1),
);

/** The one-event INSERT of `recordNew`, per set of columns (see QueryTemplate). */
const INSERT_ONE = new Map<string, QueryTemplate<unknown[], { dedupe_key: string }>>();

function insertOne(columns: readonly string[]): QueryTemplate<unknown[], { dedupe_key: string }> {
  const shape = columns.join(',');
  let template = INSERT_ONE.get(shape);
  if (!template) {
    template = new QueryTemplate((db, ...values: unknown[]) =>
      db
        .insertInto('inbound_events')
        .values(Object.fromEntries(columns.map((column, i) => [column, values[i]])) as Insertable<InboundEventsTable>)
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .returning('dedupe_key'),
    );
    INSERT_ONE.set(shape, template);
  }
  return template;
}

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
    if (unique.length === 1) {
      // One webhook with one event (most commits at a moderate rate): the statement built once.
      const [event] = unique;
      const row = { ...event, status: 'pending', attempts: 0, next_attempt_at: event.received_at } as Record<string, unknown>;
      const columns = Object.keys(row).filter((column) => row[column] !== undefined);
      for (const inserted of await insertOne(columns).rows(this.db, ...columns.map((column) => row[column])))
        fresh.add(inserted.dedupe_key);
      return fresh;
    }
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

  async markDone(id: number, now: number): Promise<void> {
    await MARK_DONE.execute(this.db, id, now);
  }

  /** Whether the conversation has an event waiting (any, due or not): one indexed read, no lock. */
  async hasPending(conversationId: string): Promise<boolean> {
    return (await HAS_PENDING.rows(this.db, conversationId)).length > 0;
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('inbound_events')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
