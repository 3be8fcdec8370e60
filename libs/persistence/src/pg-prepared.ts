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
 * unnamed. Both share one bound (`MAX_NAMED` texts per process), so a connection never holds more
 * prepared statements than that, whatever texts the process builds.
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
 * A text that selects or returns `*` (`selectAll()`, `returning *`): its result columns are the
 * table's, fixed when the connection prepares it. After a migration elsewhere adds a column, PostgreSQL
 * refuses to run such a prepared statement again (`0A000 cached plan must not change result type`) on
 * every connection that prepared it, so these texts are never named.
 */
const WHOLE_ROW = /(?:\bselect|\breturning|,)\s*(?:(?:"[^"]*"|\w+)\.)?\*/i;

/** Whether `text` would run as a named prepared statement (marked, and its result columns are fixed). */
export function isPreparedOnPostgres(text: string): boolean {
  return names.has(text);
}

function name(text: string): void {
  if (names.size < MAX_NAMED && !WHOLE_ROW.test(text)) names.set(text, `ccm_${names.size + 1}`);
}

/**
 * Marks a compiled text as one to prepare (idempotent; the name is stable for the process); a text
 * that selects or returns `*` stays unnamed (see WHOLE_ROW).
 */
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
    const name = parameterised ? noteRun(first) : names.get(first);
    if (name === undefined) return call.apply(this, args);
    const config: QueryConfig = { name, text: first, values: values as unknown[] | undefined };
    return call.call(this, config);
  }
}
