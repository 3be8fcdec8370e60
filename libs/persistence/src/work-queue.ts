import { Kysely, RawBuilder, sql } from 'kysely';
import { BackoffOptions, backoffDelay } from './backoff';
import { Database } from './database.types';
import { Dialect } from './schema-migrations';
import { QueryTemplate } from './query-template';
import { FenceFinish, WorkLease, WorkTable } from './work-fence';

/**
 * How one table is a queue. Every queue table has `id`, `status`, `attempts`, `next_attempt_at`,
 * `lease_owner`, `lease_until` and `lease_epoch`; the rest differs per table and is named here.
 * Fragments are SQL over a table alias (never user input).
 */
export interface WorkQueueSpec {
  table: WorkTable;
  /**
   * The column holding the conversation: its items are worked one at a time, in `order`, and
   * `claimHead` claims one conversation's head by it (an index).
   */
  conversationColumn: string;
  /** The ordering key when some items have no conversation (default: `conversationColumn`). */
  key?: (alias: string) => string;
  /** Columns giving the order within a key (compared as a row value). */
  order: readonly string[];
  /** Status of waiting work, and of work given up on. */
  pending: string;
  dead: string;
  /** Column holding the last error. */
  errorColumn: string;
  /** Column set when the work finished (done or dead), if the table has one. */
  finishedColumn?: string;
  /** Rows of the table that are not part of the queue are excluded by this condition (e.g. inbound messages). */
  scope?: (alias: string) => string;
  /** Groups served round-robin (e.g. the Page), so one group's backlog never starves another's. */
  fairBy?: (alias: string) => string;
  /**
   * A row of another table that every claim returns with the work (`ClaimedWork.related`), where the
   * worker would read it next (the journal: the event's conversation): the table, and the column of
   * this table holding its `id`. One statement where there were two.
   */
  related?: { table: string; column: string };
}

export interface ClaimedWork<Row> {
  row: Row;
  lease: WorkLease;
  /**
   * The previous claim's lease ran out without the work being finished or given back: its holder
   * died or stalled mid-work (e.g. a send may have reached Meta). Callers decide what that means.
   */
  interrupted: boolean;
  /**
   * The spec's related row (see `WorkQueueSpec.related`) as the claim found it, outside any
   * transaction of the worker's (as stale as a read after the claim would be); undefined when the
   * spec has none or the work names none.
   */
  related?: Record<string, unknown>;
}

export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
  /** Only this key's head (drain one conversation). */
  key?: string;
  /** At most this many heads per fairness group in one claim. */
  perGroup?: number;
  /** Fairness groups to leave alone this time (e.g. Pages waiting for their rate limit). */
  excludeGroups?: readonly string[];
}

/**
 * The durable-work primitive shared by the inbound journal, the outbox and the chat-server bridge
 * outbox. Work is written (enqueued) by the caller's own transaction as a row in `pending`; workers
 * claim due heads — per key only the first unfinished item, and only while no item of that key is
 * leased, so a conversation's work happens one item at a time and in order — under a lease that
 * carries an owner and an epoch. Every state change after the claim (complete, retry, release, dead)
 * is fenced: it applies only while the row still carries that owner and epoch, so a holder whose
 * lease expired and was taken over changes nothing. On PostgreSQL claims lock with
 * `FOR UPDATE SKIP LOCKED`, so instances never contend for the same rows; SQLite has one writer and
 * runs the same statements without it.
 */
export class WorkQueue<Row extends { id: number; attempts: number }> {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    readonly spec: WorkQueueSpec,
  ) {}

  /** Claims up to `limit` due heads (one per key), fairly across groups, oldest first within a group. */
  async claim(options: ClaimOptions): Promise<ClaimedWork<Row>[]> {
    if (options.limit <= 0) return []; // (SQLite reads LIMIT -1 as "no limit")
    const { spec } = this;
    const table = sql.table(spec.table);
    const w = (expr: (a: string) => string) => sql.raw(expr('w'));
    const p = (expr: (a: string) => string) => sql.raw(expr('p'));
    const scopeW = spec.scope ? sql`and ${w(spec.scope)}` : sql``;
    const scopeP = spec.scope ? sql`and ${p(spec.scope)}` : sql``;
    const orderW = sql.raw(spec.order.map((c) => `w.${c}`).join(', '));
    const orderP = sql.raw(spec.order.map((c) => `p.${c}`).join(', '));
    const orderAs = sql.raw(spec.order.map((c, i) => `w.${c} as o${i}`).join(', '));
    const orderC = sql.raw(spec.order.map((_, i) => `c.o${i}`).join(', '));
    const rowCompare =
      spec.order.length === 1 ? sql`p.${sql.raw(spec.order[0])} < w.${sql.raw(spec.order[0])}` : sql`(${orderP}) < (${orderW})`;
    const key = orderingKey(spec);
    const keyFilter = options.key !== undefined ? sql`and ${w(key)} = ${options.key}` : sql``;
    const excluded =
      options.excludeGroups?.length && spec.fairBy ? sql`and ${w(spec.fairBy)} not in (${sql.join([...options.excludeGroups])})` : sql``;
    const group = spec.fairBy ? w(spec.fairBy) : sql`1`;
    const perGroup = options.perGroup ?? options.limit;
    const { now } = options;
    // The status as a literal wherever a statement scans or looks per key: only then can it use the
    // partial indexes of waiting rows (migration 0397). Statements that name rows by id keep it a
    // parameter, so the primary key is the only index they can take (see `headClaim`).
    // (In the outer filter too: a generic plan made on empty tables may join the outbox's heads by a
    // nested loop; with the status a parameter its inner side was a scan of every message per head,
    // with the literal it is the partial index of queued messages, as the old status index was.)
    const waiting = sql.lit(spec.pending);

    // The candidates are found outside the transaction (on SQLite by the read connection, so a claim
    // neither waits for nor holds the writer while it scans): most claims find nothing and then cost
    // one read, no transaction. The transaction below checks each candidate again.
    const k = (expr: (a: string) => string) => sql.raw(expr('k'));
    const scopeK = spec.scope ? sql`and ${k(spec.scope)}` : sql``;
    // One ordering column (outbox, bridge): a key's head is its lowest pending id, found with one
    // grouped pass (a key with any live lease is busy); several (journal: Meta time, then id): per row.
    // SQLite: CROSS JOIN keeps the grouped heads as the outer loop (its planner would otherwise re-run them per row).
    const joinHeads = this.dialect === 'sqlite' ? sql`cross join` : sql`join`;
    const heads =
      spec.order.length === 1
        ? sql`(
            select min(k.${sql.raw(spec.order[0])}) as hid,
              max(case when k.lease_until is not null and k.lease_until >= ${now} then 1 else 0 end) as busy
            from ${table} k where k.status = ${waiting} ${scopeK}
            group by ${k(key)}
          ) h ${joinHeads} ${table} w on w.${sql.raw(spec.order[0])} = h.hid and h.busy = 0`
        : sql``;
    // Several ordering columns (journal: Meta time, then id; its key is an expression no index has):
    // every pending row ranked within its key in one sorted pass, the key's head being rank 1 and the
    // key busy while any of its items is leased. (A NOT EXISTS per candidate compared each pending row
    // with every other — a nested loop over the whole backlog: 0.8-1 s per claim on PostgreSQL with
    // 1,300 events pending, against 4 ms ranked.)
    const ranked = spec.order.length === 1 ? sql`` : this.rankedHeads(sql`w.status = ${waiting} ${scopeW} ${keyFilter} ${excluded}`, now);
    const candidates = await sql<{ id: number }>`
      select c.wid as id from (
        select w.id as wid, ${orderAs}, row_number() over (partition by ${group} order by ${orderW}) as rn
        from ${spec.order.length === 1 ? heads : ranked}
        where w.status = ${waiting} ${scopeW}
          and w.next_attempt_at <= ${now}
          and (w.lease_until is null or w.lease_until < ${now})
          ${keyFilter}
          ${excluded}
      ) c
      where c.rn <= ${perGroup}
      order by c.rn, ${orderC}
      limit ${options.limit * (this.dialect === 'postgres' ? 3 : 1)}`.execute(this.db);
    if (candidates.rows.length === 0) return [];
    await this.relatedReady();
    const ids = candidates.rows.map((r) => Number(r.id));
    return this.db.transaction().execute(async (trx) => {
      const lock = this.dialect === 'postgres' ? sql`for update skip locked` : sql``;
      // Still due, free and the head of its key: the candidates were read before this transaction, and
      // meanwhile another claimer may have taken one, or an earlier item of its key may have arrived
      // (the journal orders by Meta's time) and been claimed.
      // The head check ranks only the candidates' keys (the same ranking as above, over far fewer rows).
      const headCheck =
        spec.order.length === 1
          ? sql`not exists (
              select 1 from ${table} p
              where ${p(key)} = ${w(key)} and p.status = ${waiting} ${scopeP} and p.id <> w.id
                and (${rowCompare} or (p.lease_until is not null and p.lease_until >= ${now}))
            )`
          : sql`w.id in (select w.id from ${this.rankedHeads(
              sql`w.status = ${waiting} ${scopeW} and ${w(key)} in (select ${k(key)} from ${table} k where k.id in (${sql.join(ids)}))`,
              now,
            )})`;
      const locked = await sql<{ id: number; lease_until: number | null }>`
        select w.id, w.lease_until from ${table} w
        where w.id in (${sql.join(ids)}) and w.status = ${spec.pending}
          and (w.lease_until is null or w.lease_until < ${now})
          and ${headCheck}
        ${lock}`.execute(trx);
      if (locked.rows.length === 0) return [];
      // Candidates locked by a concurrent claimer were skipped; of the rest take the first `limit`, in order.
      const lockedIds = new Set(locked.rows.map((r) => Number(r.id)));
      const chosen = new Set(ids.filter((id) => lockedIds.has(id)).slice(0, options.limit));
      const interrupted = new Map(locked.rows.filter((r) => chosen.has(Number(r.id))).map((r) => [Number(r.id), r.lease_until !== null]));
      const claimed = await sql<Row & { lease_epoch: number }>`
        update ${table} set lease_owner = ${options.owner}, lease_until = ${now + options.leaseMs}, lease_epoch = lease_epoch + 1
        where id in (${sql.join([...interrupted.keys()])})
        returning *${this.relatedColumn()}`.execute(trx);
      const byId = new Map(claimed.rows.map((r) => [Number(r.id), r]));
      return ids
        .filter((id) => byId.has(id))
        .map((id) => {
          const { row, related } = this.withRelated(byId.get(id)!);
          return {
            row,
            lease: { table: spec.table, id, owner: options.owner, epoch: Number(row.lease_epoch) },
            interrupted: interrupted.get(id) ?? false,
            ...(related ? { related } : {}),
          };
        });
    });
  }

  /**
   * The pending rows matching `where` (over alias `w`) that are their key's head — first in `order`
   * among the key's pending items — while no item of the key is leased, as a derived table `w`. One
   * sorted pass over those rows (window functions, on both dialects), where a per-row NOT EXISTS
   * against the key's other items needs an index on the key, which an expression key has not.
   */
  private rankedHeads(where: RawBuilder<unknown>, now: number): RawBuilder<unknown> {
    const { spec } = this;
    const key = sql.raw(orderingKey(spec)('w'));
    const order = sql.raw(spec.order.map((c) => `w.${c}`).join(', '));
    return sql`(
      select * from (
        select w.*, row_number() over (partition by ${key} order by ${order}) as head_rank,
          max(case when w.lease_until is not null and w.lease_until >= ${now} then 1 else 0 end) over (partition by ${key}) as key_busy
        from ${sql.table(spec.table)} w where ${where}
      ) r where r.head_rank = 1 and r.key_busy = 0
    ) w`;
  }

  /**
   * Claims one conversation's head in a single statement, when it is due, was never leased or was given
   * back, and no item of the conversation is leased: the hand-off of work this instance has just
   * written (a reply its turn queued), without scanning the queue or opening a transaction. Work whose
   * last lease ran out is left to `claim`, which reports it as interrupted.
   */
  async claimHead(
    conversationId: string,
    options: Omit<ClaimOptions, 'limit' | 'key' | 'perGroup' | 'excludeGroups'>,
  ): Promise<ClaimedWork<Row> | undefined> {
    const { owner, now, leaseMs } = options;
    await this.relatedReady();
    const [claimed] = await this.headClaim.rows(this.db, owner, now + leaseMs, conversationId, now);
    if (!claimed) return undefined;
    const { row, related } = this.withRelated(claimed);
    return {
      row,
      lease: { table: this.spec.table, id: Number(row.id), owner, epoch: Number(row.lease_epoch) },
      interrupted: false,
      ...(related ? { related } : {}),
    };
  }

  /**
   * The RETURNING column of the spec's related row (`related_row`), if it has one: a subquery in
   * RETURNING gives one value, so the row comes as JSON — on PostgreSQL the whole row; on SQLite an
   * object of the table's columns, which differ with the migrations a database has (each lib adds its
   * own), so they are read from the database itself before the first claim (`relatedReady`).
   */
  private relatedColumn(): RawBuilder<unknown> {
    const { related, table } = this.spec;
    if (!related) return sql``;
    const columns = this.relatedColumns;
    if (this.dialect !== 'postgres' && !columns) throw new Error(`the columns of ${related.table} were not read`);
    const row =
      this.dialect === 'postgres' ? sql`row_to_json(r)` : sql`json_object(${sql.raw(columns!.map((c) => `'${c}', r."${c}"`).join(', '))})`;
    return sql`, (select ${row} from ${sql.table(related.table)} r where r.id = ${sql.table(table)}.${sql.raw(related.column)}) as related_row`;
  }

  /** SQLite: the related table's columns, read once per queue (so per database), before its first claim. */
  private relatedColumns?: string[];
  private relatedColumnsRead?: Promise<void>;

  private relatedReady(): Promise<void> | undefined {
    const { related } = this.spec;
    if (!related || this.dialect === 'postgres' || this.relatedColumns) return undefined;
    this.relatedColumnsRead ??= sql<{ name: string }>`select name from pragma_table_info(${related.table})`
      .execute(this.db)
      .then(({ rows }) => {
        if (rows.length === 0) throw new Error(`no table ${related.table}`);
        this.relatedColumns = rows.map((r) => r.name);
      })
      .finally(() => (this.relatedColumnsRead = undefined));
    return this.relatedColumnsRead;
  }

  /** Splits a claimed row from its related row (see `relatedColumn`). */
  private withRelated(claimed: Row & { lease_epoch: number; related_row?: unknown }): {
    row: Row & { lease_epoch: number };
    related?: Record<string, unknown>;
  } {
    if (!this.spec.related) return { row: claimed };
    const { related_row: value, ...row } = claimed;
    const related = typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : (value as Record<string, unknown> | null);
    return { row: row as unknown as Row & { lease_epoch: number }, ...(related ? { related } : {}) };
  }

  /** The statement of `claimHead`, built once per queue (it runs for every message). */
  private readonly headClaim = new QueryTemplate((db, owner: string, leaseUntil: number, conversationId: string, now: number) => {
    const { spec } = this;
    const table = sql.table(spec.table);
    const column = sql.raw(spec.conversationColumn);
    const scope = (alias: string) => (spec.scope ? sql`and ${sql.raw(spec.scope(alias))}` : sql``);
    const order = sql.raw(spec.order.map((c) => `h.${c}`).join(', '));
    // PostgreSQL plans a prepared statement once for any parameter values (a generic plan). The looks
    // within the conversation name the status as a literal, so that plan can use the partial indexes of
    // waiting rows (migrations 0380, 0397); the row itself is named by its id with the status a
    // parameter, so the primary key is the only index the UPDATE can take (a generic plan made while
    // the tables were small and unanalysed took the old (status, next_attempt_at) index: every waiting
    // row read per claim). SQLite plans a partial index only for a literal condition too.
    const waiting = sql.lit(spec.pending);
    const query = sql<Row & { lease_epoch: number }>`
      update ${table} set lease_owner = ${owner}, lease_until = ${leaseUntil}, lease_epoch = lease_epoch + 1
      where id = (
          select h.id from ${table} h where h.${column} = ${conversationId} and h.status = ${waiting} ${scope('h')}
          order by ${order} limit 1
        )
        and status = ${spec.pending} and next_attempt_at <= ${now} and lease_until is null
        and not exists (
          select 1 from ${table} p where p.${column} = ${conversationId} and p.status = ${waiting} ${scope('p')}
            and p.lease_until is not null and p.lease_until >= ${now}
        )
      returning *${this.relatedColumn()}`;
    return { compile: () => query.compile(db) };
  });

  /**
   * Whether the conversation has work waiting (due or not): one indexed read, no lock and no
   * transaction (SQLite: on the read connection) — cheaper than a `claimHead` that finds nothing.
   */
  async hasPending(conversationId: string): Promise<boolean> {
    return (await this.pendingLook.rows(this.db, conversationId)).length > 0;
  }

  private readonly pendingLook = new QueryTemplate((db, conversationId: string) => {
    const { spec } = this;
    const scope = spec.scope ? sql`and ${sql.raw(spec.scope('h'))}` : sql``;
    // (A literal status, as in `headClaim`: PostgreSQL's generic plan can then use a partial index.)
    const query = sql<{ id: number }>`select h.id from ${sql.table(spec.table)} h
      where h.${sql.raw(spec.conversationColumn)} = ${conversationId} and h.status = ${sql.lit(spec.pending)} ${scope} limit 1`;
    return { compile: () => query.compile(db) };
  });

  /**
   * The fence that finishes the work with `status` (see `runFencedToFinish`): `complete` without
   * extra columns, as one statement built once, on the transaction it is given. `now()` is read when
   * the transaction runs it. The same statement tells whether the work's conversation has other work
   * pending (`more`; false for work without a conversation), so a drain needs no look of its own after
   * the commit to know whether to claim a next head. That nothing is pending is told on SQLite only:
   * there the transaction holds the only writer, so nothing is added between this statement and its
   * commit. On PostgreSQL another instance's intake may commit an item of the conversation meanwhile
   * and offer it to its own processor, whose claim fails while this item is still leased: only a look
   * after the commit (the drain's own) finds that item without waiting for a claim pass.
   */
  finishingFence(status: string, now: () => number): FenceFinish {
    return async (db, lease) => {
      const rows = await this.finish.rows(db, status, now(), lease.id, lease.owner, lease.epoch);
      if (rows.length === 0) return { affected: 0 };
      const more = Boolean(Number(rows[0].more));
      return more || this.dialect === 'sqlite' ? { affected: rows.length, more } : { affected: rows.length };
    };
  }

  private readonly finish = new QueryTemplate((db, status: string, now: number, id: number, owner: string, epoch: number) => {
    const { spec } = this;
    const table = sql.table(spec.table);
    const column = sql.raw(spec.conversationColumn);
    const finished = spec.finishedColumn ? sql`, ${sql.ref(spec.finishedColumn)} = ${now}` : sql``;
    const scope = spec.scope ? sql`and ${sql.raw(spec.scope('p'))}` : sql``;
    // (The subquery names the updated row by its table: both dialects allow a subquery in RETURNING,
    // and it sees the other rows as they were, which this statement does not change.)
    const query = sql<{ more: number | boolean }>`update ${table} set status = ${status}, lease_until = null ${finished}
      where id = ${id} and lease_owner = ${owner} and lease_epoch = ${epoch} and status = ${spec.pending}
      returning exists (
        select 1 from ${table} p where p.${column} = ${table}.${column} and p.status = ${sql.lit(spec.pending)} ${scope} and p.id <> ${table}.id
      ) as more`;
    return { compile: () => query.compile(db) };
  });

  /** Extends a held lease; false when it was lost (taken over, or the work finished elsewhere). */
  async renew(lease: WorkLease, now: number, leaseMs: number): Promise<boolean> {
    return this.fencedUpdate(lease, [['lease_until', now + leaseMs]]);
  }

  /**
   * Finishes the work with `status` (and any table-specific columns). Returns false — and changes
   * nothing — when the lease was lost. Runs on the given executor, so a caller can complete inside
   * the transaction that applies the work's effects.
   */
  async complete(lease: WorkLease, status: string, now: number, extra: Record<string, unknown> = {}, db = this.db): Promise<boolean> {
    const sets: ColumnSet[] = [
      ['status', status],
      ['lease_until', null],
    ];
    if (this.spec.finishedColumn) sets.push([this.spec.finishedColumn, now]);
    sets.push(...Object.entries(extra));
    return this.fencedUpdate(lease, sets, db);
  }

  /**
   * `complete` that also tells whether the work's key has other work pending, in the same statement:
   * a worker that finishes a conversation's item learns whether to claim its next one without a read
   * of its own (`hasPending`). `more` is undefined when the lease was lost (nothing changed).
   */
  async completeAndPeek(
    lease: WorkLease,
    status: string,
    now: number,
    extra: Record<string, unknown> = {},
    db = this.db,
  ): Promise<{ done: boolean; more?: boolean }> {
    const sets: ColumnSet[] = [
      ['status', status],
      ['lease_until', null],
    ];
    if (this.spec.finishedColumn) sets.push([this.spec.finishedColumn, now]);
    sets.push(...Object.entries(extra));
    const shape = sets.map(([column]) => column).join(',');
    let template = this.peekingCompletions.get(shape);
    if (!template) {
      const columns = sets.map(([column]) => column);
      const { spec } = this;
      const table = sql.table(spec.table);
      const key = orderingKey(spec);
      const scope = spec.scope ? sql`and ${sql.raw(spec.scope('p'))}` : sql``;
      template = new QueryTemplate((db, ...values: unknown[]) => {
        const assignments = sql.join(columns.map((column, i) => sql`${sql.ref(column)} = ${values[i]}`));
        const [id, owner, epoch] = values.slice(columns.length);
        // `p.id <> id`: whether the subquery sees the row before or after this update differs by
        // dialect (PostgreSQL: before), so the finished row is left out explicitly. The status is a
        // literal, so the outbox's partial index of queued messages (migration 0380) serves it.
        const query = sql<{ more: number }>`update ${table} set ${assignments}
          where id = ${id} and lease_owner = ${owner} and lease_epoch = ${epoch} and status = ${spec.pending}
          returning case when exists (
            select 1 from ${table} p
            where ${sql.raw(key('p'))} = ${sql.raw(key(spec.table))} and p.status = ${sql.lit(spec.pending)} ${scope} and p.id <> ${sql.raw(spec.table)}.id
          ) then 1 else 0 end as more`;
        return { compile: () => query.compile(db) };
      });
      this.peekingCompletions.set(shape, template);
    }
    const [row] = await template.rows(db, ...sets.map(([, value]) => value), lease.id, lease.owner, lease.epoch);
    return row === undefined ? { done: false } : { done: true, more: Number(row.more) === 1 };
  }

  /** The statements of `completeAndPeek`, by their columns. */
  private readonly peekingCompletions = new Map<string, QueryTemplate<unknown[], { more: number }>>();

  /**
   * A failed attempt: retried after the shared backoff, or parked as dead when the attempts are
   * used up. Returns what happened ('lost' when the lease was no longer ours).
   */
  async fail(
    lease: WorkLease,
    attempts: number,
    error: string,
    now: number,
    backoff: BackoffOptions,
    options: { permanent?: boolean; extra?: Record<string, unknown> } = {},
  ): Promise<{ outcome: 'retry'; delayMs: number } | { outcome: 'dead' } | { outcome: 'lost' }> {
    const delay = options.permanent ? undefined : backoffDelay(attempts, backoff);
    if (delay === undefined)
      return (await this.dead(lease, attempts, error, now, options.extra)) ? { outcome: 'dead' } : { outcome: 'lost' };
    const sets: ColumnSet[] = [
      ['attempts', attempts],
      ['next_attempt_at', now + delay],
      ['lease_until', null],
      [this.spec.errorColumn, error],
      ...Object.entries(options.extra ?? {}),
    ];
    return (await this.fencedUpdate(lease, sets)) ? { outcome: 'retry', delayMs: delay } : { outcome: 'lost' };
  }

  /** Parks the work as dead (an operator can replay it). */
  async dead(lease: WorkLease, attempts: number, error: string, now: number, extra: Record<string, unknown> = {}): Promise<boolean> {
    const sets: ColumnSet[] = [
      ['status', this.spec.dead],
      ['attempts', attempts],
      ['lease_until', null],
      [this.spec.errorColumn, error],
    ];
    if (this.spec.finishedColumn) sets.push([this.spec.finishedColumn, now]);
    sets.push(...Object.entries(extra));
    return this.fencedUpdate(lease, sets);
  }

  /** Gives the work back without counting an attempt: not now (rate limit, paused Page), try at `at`. */
  async release(lease: WorkLease, at: number, error?: string): Promise<boolean> {
    const sets: ColumnSet[] = [
      ['next_attempt_at', at],
      ['lease_until', null],
    ];
    if (error !== undefined) sets.push([this.spec.errorColumn, error]);
    return this.fencedUpdate(lease, sets);
  }

  /** Puts dead work back in line (an operator fixed the cause). False when the row was not dead. */
  async replay(id: number, now: number): Promise<boolean> {
    const finished = this.spec.finishedColumn ? sql`, ${sql.ref(this.spec.finishedColumn)} = null` : sql``;
    const result = await sql`update ${sql.table(this.spec.table)}
      set status = ${this.spec.pending}, attempts = 0, next_attempt_at = ${now}, lease_until = null ${finished}
      where id = ${id} and status = ${this.spec.dead} ${this.spec.scope ? sql`and ${sql.raw(this.spec.scope(this.spec.table))}` : sql``}`.execute(
      this.db,
    );
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  /** Deletes one dead row (an operator decided it is not worth delivering). False when it was not dead. */
  async discardDead(id: number): Promise<boolean> {
    const scope = this.spec.scope ? sql`and ${sql.raw(this.spec.scope(this.spec.table))}` : sql``;
    const result = await sql`delete from ${sql.table(this.spec.table)} where id = ${id} and status = ${this.spec.dead} ${scope}`.execute(
      this.db,
    );
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  /** Dead work, oldest first. */
  async listDead(limit = 100): Promise<Row[]> {
    const scope = this.spec.scope ? sql`and ${sql.raw(this.spec.scope(this.spec.table))}` : sql``;
    const rows = await sql<Row>`select * from ${sql.table(this.spec.table)} where status = ${sql.lit(this.spec.dead)} ${scope}
      order by id limit ${limit}`.execute(this.db);
    return rows.rows;
  }

  /** Work currently leased (and not expired): zero means no worker is in the middle of anything. */
  async countLeased(now: number): Promise<number> {
    const scope = this.spec.scope ? sql`and ${sql.raw(this.spec.scope(this.spec.table))}` : sql``;
    const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(this.spec.table)}
      where status = ${sql.lit(this.spec.pending)} and lease_until is not null and lease_until >= ${now} ${scope}`.execute(this.db);
    return Number(row.rows[0]?.n ?? 0);
  }

  /**
   * Sets the columns of a row whose lease is still ours and which is still pending. One statement per
   * set of columns, built once (renewals, completions and releases run for every message; see
   * QueryTemplate): the values are its parameters.
   */
  private async fencedUpdate(lease: WorkLease, sets: readonly ColumnSet[], db = this.db): Promise<boolean> {
    const columns = sets.map(([column]) => column);
    const shape = columns.join(',');
    let template = this.fencedUpdates.get(shape);
    if (!template) {
      const table = sql.table(this.spec.table);
      const pending = this.spec.pending;
      template = new QueryTemplate((db, ...values: unknown[]) => {
        const assignments = sql.join(columns.map((column, i) => sql`${sql.ref(column)} = ${values[i]}`));
        const [id, owner, epoch] = values.slice(columns.length);
        const query = sql`update ${table} set ${assignments}
          where id = ${id} and lease_owner = ${owner} and lease_epoch = ${epoch} and status = ${pending}`;
        return { compile: () => query.compile(db) };
      });
      this.fencedUpdates.set(shape, template);
    }
    return (await template.affected(db, ...sets.map(([, value]) => value), lease.id, lease.owner, lease.epoch)) > 0;
  }

  /** The fenced updates' statements, by their columns. */
  private readonly fencedUpdates = new Map<string, QueryTemplate<unknown[], unknown>>();
}

/** A column a fenced update sets, and its value. */
type ColumnSet = [column: string, value: unknown];

/** The SQL of a queue's ordering key over a table alias. */
function orderingKey(spec: WorkQueueSpec): (alias: string) => string {
  return spec.key ?? ((a) => `${a}.${spec.conversationColumn}`);
}

/** The three queues of ccm, as specs over their existing tables. */
export const JOURNAL_QUEUE: WorkQueueSpec = {
  table: 'inbound_events',
  conversationColumn: 'conversation_id',
  // Page-level events (no customer, so no conversation) are ordered per Page; `claimHead` never takes them.
  key: (a) => `coalesce(${a}.conversation_id, 'page:' || ${a}.page_id)`,
  order: ['event_ts', 'id'],
  pending: 'pending',
  dead: 'dead',
  errorColumn: 'last_error',
  finishedColumn: 'processed_at',
  fairBy: (a) => `${a}.page_id`,
  // The processor reads the event's conversation before anything else: the claim returns it.
  related: { table: 'conversations', column: 'conversation_id' },
};

export const OUTBOX_QUEUE: WorkQueueSpec = {
  table: 'messages',
  conversationColumn: 'conversation_id',
  order: ['id'],
  pending: 'queued',
  dead: 'failed',
  errorColumn: 'error',
  scope: (a) => `${a}.direction = 'out'`,
  fairBy: (a) => `(select c.page_id from conversations c where c.id = ${a}.conversation_id)`,
};

export const BRIDGE_QUEUE: WorkQueueSpec = {
  table: 'bridge_outbox',
  conversationColumn: 'conversation_id',
  order: ['id'],
  pending: 'pending',
  dead: 'dead',
  errorColumn: 'last_error',
  finishedColumn: 'delivered_at',
};
