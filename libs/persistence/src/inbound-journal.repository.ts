import { Insertable, InsertResult, Kysely, sql, SqliteAdapter } from 'kysely';
import { Database, InboundEventsTable } from './database.types';
import { QueryTemplate, templateRows } from './query-template';

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

/** The columns every journal row is written with (absent values as null, what the table's defaults are). */
const JOURNAL_COLUMNS = [
  'dedupe_key',
  'channel',
  'page_id',
  'customer_id',
  'conversation_id',
  'kind',
  'event_ts',
  'event',
  'status',
  'attempts',
  'next_attempt_at',
  'last_error',
  'received_at',
  'processed_at',
] as const;
const JOURNAL_COLUMN_SET = new Set<string>(JOURNAL_COLUMNS);

/**
 * Rows per INSERT built once (a `QueryTemplate` per row count, 1..TEMPLATE_ROWS); a larger group is
 * written in chunks of that many. Building and compiling a multi-row INSERT with Kysely cost more
 * CPU per webhook than SQLite takes to run it. 64 × 14 columns stays far under SQLite's limit of
 * bound parameters, and at most 64 texts are cached (SQLite's statement cache, PostgreSQL's
 * prepared statements).
 */
const TEMPLATE_ROWS = 64;
const INSERT_ROWS: QueryTemplate<unknown[], { dedupe_key: string }>[] = [];
const INSERT_ROWS_QUIETLY: QueryTemplate<unknown[], InsertResult>[] = [];

function insertInto(db: Kysely<Database>, count: number, values: readonly unknown[]) {
  return db
    .insertInto('inbound_events')
    .values(templateRows<InboundEventsTable>(JOURNAL_COLUMNS, count, values))
    .onConflict((oc) => oc.column('dedupe_key').doNothing());
}

/** `count` rows, returning the dedupe keys that were new (PostgreSQL). */
function insertRows(count: number): QueryTemplate<unknown[], { dedupe_key: string }> {
  return (INSERT_ROWS[count] ??= new QueryTemplate((db, ...values: unknown[]) => insertInto(db, count, values).returning('dedupe_key')));
}

/** `count` rows, returning nothing: how many were new is the statement's change count (SQLite). */
function insertRowsQuietly(count: number): QueryTemplate<unknown[], InsertResult> {
  return (INSERT_ROWS_QUIETLY[count] ??= new QueryTemplate((db, ...values: unknown[]) => insertInto(db, count, values)));
}

/** Whether every column the row gives is one the templates write (else the row goes through Kysely as given). */
function fitsTemplate(event: NewInboundEvent): boolean {
  for (const column in event) if (!JOURNAL_COLUMN_SET.has(column)) return false;
  return true;
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
    if (!unique.every(fitsTemplate)) {
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
    for (let i = 0; i < unique.length; i += TEMPLATE_ROWS) {
      const chunk = unique.slice(i, i + TEMPLATE_ROWS);
      const values: unknown[] = [];
      for (const e of chunk)
        values.push(
          e.dedupe_key,
          e.channel,
          e.page_id,
          e.customer_id ?? null,
          e.conversation_id ?? null,
          e.kind,
          e.event_ts,
          e.event,
          'pending',
          0,
          e.received_at,
          e.last_error ?? null,
          e.received_at,
          e.processed_at ?? null,
        );
      if (this.db.getExecutor().adapter instanceof SqliteAdapter) await this.insertOnSqlite(chunk, values, fresh);
      else for (const row of await insertRows(chunk.length).rows(this.db, ...values)) fresh.add(row.dedupe_key);
    }
    return fresh;
  }

  /**
   * SQLite: the chunk without `returning` (SQLite collects the returned rows apart and better-sqlite3
   * makes an object of each: 1.5–2.5 µs of CPU per row measured). When every row was new — nearly
   * always: a duplicate is a redelivery — the change count says so. Otherwise the new rows are the `changes` newest of the
   * chunk's keys: with one writer, rows inserted now get ids above every row already there (SQLite's
   * AUTOINCREMENT never hands out an id again), and the chunk's keys are distinct.
   */
  private async insertOnSqlite(chunk: readonly NewInboundEvent[], values: readonly unknown[], fresh: Set<string>): Promise<void> {
    const changes = await insertRowsQuietly(chunk.length).affected(this.db, ...values);
    if (changes === chunk.length) {
      for (const e of chunk) fresh.add(e.dedupe_key);
      return;
    }
    if (changes === 0) return;
    const rows = await this.db
      .selectFrom('inbound_events')
      .select('dedupe_key')
      .where(
        'dedupe_key',
        'in',
        chunk.map((e) => e.dedupe_key),
      )
      .orderBy('id', 'desc')
      .limit(changes)
      .execute();
    for (const row of rows) fresh.add(row.dedupe_key);
  }

  /**
   * Whether `recordNew` writes these events with one INSERT (at most a template's rows once duplicates
   * are dropped, every column one the templates write): one statement is atomic by itself, so a caller
   * with nothing else to write needs no transaction around it.
   */
  static writesInOneStatement(events: readonly NewInboundEvent[]): boolean {
    if (events.length > TEMPLATE_ROWS && new Set(events.map((e) => e.dedupe_key)).size > TEMPLATE_ROWS) return false;
    return events.every(fitsTemplate);
  }

  async markDone(id: number, now: number): Promise<void> {
    await MARK_DONE.execute(this.db, id, now);
  }

  /** Whether the conversation has an event waiting (any, due or not): one indexed read, no lock. */
  async hasPending(conversationId: string): Promise<boolean> {
    return (await HAS_PENDING.rows(this.db, conversationId)).length > 0;
  }

  /**
   * Events waiting and dead, for readiness, `/health` and the gauges (asked on every probe and scrape):
   * each counted through its partial index (migration 0397; literal statuses, so PostgreSQL's and
   * SQLite's plans can use them), never a pass over the done events the journal keeps.
   */
  async backlog(): Promise<{ pending: number; dead: number }> {
    const count = (status: 'pending' | 'dead') =>
      this.db
        .selectFrom('inbound_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', sql.lit(status))
        .executeTakeFirstOrThrow();
    const [pending, dead] = await Promise.all([count('pending'), count('dead')]);
    return { pending: Number(pending.n), dead: Number(dead.n) };
  }

  /** Every status's count: a pass over the whole journal (tests and tools; probes use `backlog`). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('inbound_events')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
