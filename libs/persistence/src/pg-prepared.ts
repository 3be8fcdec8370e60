import { Client, Query, QueryConfig } from 'pg';

/**
 * SQL texts that PostgreSQL connections run as named prepared statements: each connection parses and
 * plans such a text once, not on every run. Parsing and planning were most of PostgreSQL's CPU for
 * ccm's short statements (one conditional UPDATE by primary key: ~250 µs of backend CPU unnamed,
 * ~100 µs named), and PostgreSQL shares the machine's cores with ccm.
 *
 * Two ways in: hot statements (`QueryTemplate`: compiled once, run several times per message) are
 * marked up front; any other parameterised text is named once it has been seen twice (see `noteRun`),
 * so the statements Kysely builds per call (conversation reads, the drain's pending look, the claim
 * passes) are prepared too, while one-off texts (admin reads, an `in` list of a rare length) stay
 * unnamed. Both share one bound (`MAX_NAMED` texts per process), so a connection holds at most that
 * many prepared statements per schema generation (below), whatever texts the process builds.
 */
const names = new Map<string, string>();

/**
 * At most this many texts are named per process (each connection prepares only those it runs). The
 * intake alone marks up to 128 (its multi-row INSERTs, one text per row count up to 64, for the journal
 * and for new conversations — all on the intake's own connection); the rest of a message's statements
 * are a few dozen texts.
 */
export const MAX_NAMED = 400;

/**
 * Texts seen once (counting towards being named on their second run); cleared when it reaches this
 * size, so a stream of distinct one-off texts costs bounded memory.
 */
const SEEN_LIMIT = 2000;
const seenOnce = new Set<string>();

/**
 * Every connection's prepared statements are planned for the schema as it was when the connection
 * prepared them. When another replica's migration changes a table's columns (ALTER TABLE … ADD COLUMN
 * during a rolling deploy), PostgreSQL refuses to run again a prepared statement whose result columns
 * would change — a text that selects or returns `*`, or a column whose type changed — with `0A000
 * cached plan must not change result type`, on every connection that prepared it. The first such
 * refusal moves the process to a new generation: names carry it, so every connection prepares each
 * text again under a new name from then on. A statement refused outside a transaction is sent again
 * at once; one refused inside a transaction fails it (PostgreSQL aborted it), and its caller's retry
 * (the work queue's, or the intake's per-webhook retry) runs with the new names. So after another
 * replica's migration only the transactions in flight at that moment fail, once.
 */
let generation = 0;

function staleResult(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

/** Whether `text` would run as a named prepared statement. */
export function isPreparedOnPostgres(text: string): boolean {
  return names.has(text);
}

function name(text: string): void {
  if (names.size < MAX_NAMED) names.set(text, `ccm_${names.size + 1}`);
}

/** Marks a compiled text as one to prepare (idempotent; the name is stable for the process). */
export function prepareOnPostgres(text: string): void {
  if (!names.has(text)) name(text);
}

/**
 * Counts a run of a parameterised text: the second run names it (the text is stable: Kysely compiled
 * the same statement again). A text with no parameters (BEGIN, COMMIT, DDL, several statements in one
 * text) is never named: it goes by the simple protocol, which cannot carry several statements if named.
 */
function noteRun(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= MAX_NAMED) return known;
  if (!seenOnce.has(text)) {
    if (seenOnce.size >= SEEN_LIMIT) seenOnce.clear();
    seenOnce.add(text);
    return undefined;
  }
  seenOnce.delete(text);
  name(text);
  return names.get(text);
}

/** The wire-protocol side of node-postgres's Query that `BeginThenQuery` works with (not in its types). */
interface WireConnection {
  parse(message: { text: string; name: string; types: unknown[] }): void;
  bind(message: { portal: string; statement: string; values: unknown[] }): void;
  execute(message: { portal: string; rows: number }): void;
  submittedNamedStatements: Record<string, string | undefined>;
  stream: { cork?: () => void; uncork?: () => void };
}

interface WireQuery {
  name?: string;
  submit(connection: WireConnection): Error | null;
  handleCommandComplete(message: unknown, connection: WireConnection): void;
  handleError(error: Error, connection: WireConnection): void;
}

/**
 * A transaction's BEGIN and its first statement in one round trip: BEGIN's Parse/Bind/Execute go out
 * just ahead of the statement's messages, under the statement's one Sync. PostgreSQL runs them as one
 * pipeline: if BEGIN fails, it skips the statement up to the Sync (so the statement never runs outside
 * the transaction), and the statement's error, if any, leaves the transaction aborted as a statement
 * after a separate BEGIN would. The caller sees one result, the statement's: BEGIN's completion is
 * taken out. While BEGIN's own ParseComplete (of the unnamed statement) comes back, the query shows no
 * name, so node-postgres does not take that as the statement's own Parse.
 */
export class BeginThenQuery extends (Query as unknown as new (config: QueryConfig, values?: unknown, callback?: unknown) => WireQuery) {
  private statementName?: string;
  private beginPending = false;

  override submit(connection: WireConnection): Error | null {
    connection.stream.cork?.();
    try {
      connection.parse({ text: 'begin', name: '', types: [] });
      connection.bind({ portal: '', statement: '', values: [] });
      connection.execute({ portal: '', rows: 0 });
      const error = super.submit(connection);
      this.statementName = this.name;
      this.name = undefined;
      this.beginPending = true;
      return error;
    } finally {
      connection.stream.uncork?.();
    }
  }

  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    if (this.beginPending) {
      this.beginPending = false;
      this.name = this.statementName;
      return;
    }
    super.handleCommandComplete(message, connection);
  }

  override handleError(error: Error, connection: WireConnection): void {
    if (this.beginPending) {
      // BEGIN failed: the statement was skipped, so its Parse (if it was sent) never happened.
      this.beginPending = false;
      this.name = this.statementName;
      if (this.name) delete connection.submittedNamedStatements[this.name];
    }
    super.handleError(error, connection);
  }
}

const EMPTY = { rows: [], rowCount: null, fields: [] };

/**
 * The pool's client class. A query whose text is named is sent with its statement name (node-postgres
 * then parses it once per connection and reuses it; a new connection after an outage prepares it
 * again). A transaction's BEGIN waits for the transaction's first statement and goes out with it, one
 * round trip instead of two (see BeginThenQuery): Kysely sends `begin` and awaits it before the first
 * statement, and every round trip a transaction makes is time its row locks are held and its caller
 * waits (the intake's group commit: every webhook of the group).
 */
export class PreparingClient extends Client {
  /** Kysely's `begin` was answered here but not sent yet: it goes out with the next statement. */
  private beginHeld = false;

  /** The pool calls this when the connection is checked back in: a BEGIN held and never used is dropped. */
  dropHeldBegin(): void {
    this.beginHeld = false;
  }

  override query(...args: unknown[]): never {
    const [first, values] = args;
    const call = super.query as (...a: unknown[]) => never;
    if (typeof first !== 'string' || args.length > 2) return call.apply(this, args);
    const parameterised = Array.isArray(values) && values.length > 0;
    if (first === 'begin' && !parameterised && !this.beginHeld && this.txStatus() === 'I') {
      this.beginHeld = true;
      return Promise.resolve({ ...EMPTY, command: 'BEGIN' }) as never;
    }
    if (this.beginHeld) {
      this.beginHeld = false;
      // Nothing ran in the transaction: there is none to end.
      if ((first === 'commit' || first === 'rollback') && !parameterised)
        return Promise.resolve({ ...EMPTY, command: first.toUpperCase() }) as never;
      // A statement without parameters may be several statements (the simple protocol): BEGIN first, alone.
      if (!parameterised) return (call.call(this, 'begin') as Promise<unknown>).then(() => call.apply(this, args)) as never;
      return this.run(first, values as unknown[], true) as never;
    }
    return this.run(first, values as unknown[] | undefined, false) as never;
  }

  private txStatus(): unknown {
    // node-postgres keeps the transaction status of the last ReadyForQuery ('I': none open).
    return (this as unknown as { _txStatus?: unknown })._txStatus;
  }

  private run(text: string, values: unknown[] | undefined, withBegin: boolean): Promise<unknown> {
    const parameterised = values !== undefined && values.length > 0;
    const base = parameterised ? noteRun(text) : names.get(text);
    const call = super.query.bind(this) as (...a: unknown[]) => Promise<unknown>;
    const send = (name: string | undefined): Promise<unknown> => {
      if (!withBegin) return name === undefined ? call(text, values) : call({ name, text, values });
      return new Promise((resolve, reject) => {
        const callback = (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result));
        call(new BeginThenQuery({ name, text, values }, undefined, callback));
      });
    };
    if (base === undefined) return send(undefined);
    const outsideTransaction = !withBegin && this.txStatus() === 'I';
    const attempt = (): Promise<unknown> => {
      const preparedIn = generation;
      return send(`${base}_${preparedIn}`).catch((error: unknown) => {
        if (!staleResult(error)) throw error;
        if (preparedIn === generation) generation += 1;
        throw error;
      });
    };
    return attempt().catch((error: unknown) => {
      if (!staleResult(error) || !outsideTransaction) throw error;
      return attempt();
    });
  }
}
