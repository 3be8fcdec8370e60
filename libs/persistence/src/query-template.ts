import { Compilable, CompiledQuery, createQueryId, Kysely, PostgresAdapter, QueryResult } from 'kysely';
import { Database } from './database.types';
import { prepareOnPostgres } from './pg-prepared';

const SLOT = Symbol('query-template-slot');

interface Slot {
  readonly [SLOT]: number;
}

function isSlot(value: unknown): value is Slot {
  return typeof value === 'object' && value !== null && SLOT in value;
}

/**
 * A hot statement that Kysely builds and compiles once per dialect, then runs with new values.
 * Building the operation tree and compiling it cost more CPU than SQLite takes to run most of these
 * statements, and they run several times per message with only their values changing. The builder is
 * called once with placeholders standing for the arguments, so it must have one shape whatever the
 * values: no branches on them, no `in` lists, no objects whose keys vary. Runs on the executor it is
 * given (the pool, or a transaction), through the same driver (SQLite: its prepared-statement cache).
 */
export class QueryTemplate<Args extends readonly unknown[], Row> {
  private readonly compiled = new Map<unknown, CompiledQuery<Row>>();

  constructor(private readonly build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>) {}

  execute(db: Kysely<Database>, ...args: Args): Promise<QueryResult<Row>> {
    const dialect = db.getExecutor().adapter.constructor;
    let template = this.compiled.get(dialect);
    if (!template) {
      const slots = args.map((_, i) => ({ [SLOT]: i }) as Slot) as unknown as Args;
      template = this.build(db, ...slots).compile();
      this.compiled.set(dialect, template);
      // PostgreSQL: parsed and planned once per connection (SQLite's driver caches its statements already).
      if (dialect === PostgresAdapter) prepareOnPostgres(template.sql);
    }
    const parameters = template.parameters.map((value) => (isSlot(value) ? (args[value[SLOT]] ?? null) : value));
    return db.executeQuery<Row>({ sql: template.sql, query: template.query, parameters, queryId: createQueryId() });
  }

  /** The rows of the statement (a select, or a write with `returning`). */
  async rows(db: Kysely<Database>, ...args: Args): Promise<Row[]> {
    return (await this.execute(db, ...args)).rows;
  }

  /** How many rows a write changed. */
  async affected(db: Kysely<Database>, ...args: Args): Promise<number> {
    return Number((await this.execute(db, ...args)).numAffectedRows ?? 0);
  }
}
