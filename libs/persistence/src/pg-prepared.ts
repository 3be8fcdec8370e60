import { Client, QueryConfig } from 'pg';

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

/** At most this many texts are named per process (each connection prepares those it runs). */
export const MAX_NAMED = 200;

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

/**
 * The pool's client class: a query whose text is named is sent with its statement name (node-postgres
 * then parses it once per connection and reuses it; a new connection after an outage prepares it
 * again).
 */
export class PreparingClient extends Client {
  override query(...args: unknown[]): never {
    const [first, values] = args;
    const call = super.query as (...a: unknown[]) => never;
    if (typeof first !== 'string' || args.length > 2) return call.apply(this, args);
    const parameterised = Array.isArray(values) && values.length > 0;
    const base = parameterised ? noteRun(first) : names.get(first);
    if (base === undefined) return call.apply(this, args);
    // node-postgres keeps the transaction status of the last ReadyForQuery ('I': none open).
    const outsideTransaction = (this as unknown as { _txStatus?: unknown })._txStatus === 'I';
    const run = (): Promise<unknown> => {
      const preparedIn = generation;
      const config: QueryConfig = { name: `${base}_${preparedIn}`, text: first, values: values as unknown[] | undefined };
      return (call.call(this, config) as Promise<unknown>).catch((error: unknown) => {
        if (!staleResult(error)) throw error;
        if (preparedIn === generation) generation += 1;
        throw error;
      });
    };
    return run().catch((error: unknown) => {
      if (!staleResult(error) || !outsideTransaction) throw error;
      return run();
    }) as never;
  }
}
