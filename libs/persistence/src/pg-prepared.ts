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

/** Marks a compiled text as one to prepare (idempotent; the name is stable for the process). */
export function prepareOnPostgres(text: string): void {
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
