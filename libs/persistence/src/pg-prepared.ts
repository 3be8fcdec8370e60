import { Client, QueryConfig } from 'pg';

/**
 * SQL texts of hot statements (`QueryTemplate`: compiled once, run several times per message) that
 * PostgreSQL connections run as named prepared statements: each connection parses and plans such a
 * text once, not on every run. Parsing and planning were most of PostgreSQL's CPU for these short
 * statements (one conditional UPDATE by primary key: ~250 µs of backend CPU unnamed, ~100 µs named),
 * and PostgreSQL shares the machine's cores with ccm. Other statements (built per call, `in` lists
 * whose length varies) stay unnamed.
 */
const names = new Map<string, string>();

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

/**
 * Marks a compiled text as one to prepare (idempotent; the name is stable for the process); a text
 * that selects or returns `*` stays unnamed (see WHOLE_ROW).
 */
export function prepareOnPostgres(text: string): void {
  if (WHOLE_ROW.test(text)) return;
  if (!names.has(text)) names.set(text, `ccm_${names.size + 1}`);
}

/**
 * The pool's client class: a query whose text was marked is sent with its statement name
 * (node-postgres then parses it once per connection and reuses it; a new connection after an outage
 * prepares it again).
 */
export class PreparingClient extends Client {
  override query(...args: unknown[]): never {
    const [first, values] = args;
    const name = typeof first === 'string' && args.length <= 2 ? names.get(first) : undefined;
    const call = super.query as (...a: unknown[]) => never;
    if (name === undefined) return call.apply(this, args);
    const config: QueryConfig = { name, text: first as string, values: values as unknown[] | undefined };
    return call.call(this, config);
  }
}
