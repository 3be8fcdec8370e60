import { Compilable, CompiledQuery, createQueryId, Insertable, Kysely, PostgresAdapter, QueryResult } from 'kysely';
import { Database } from './database.types';
import { prepareOnPostgres } from './pg-prepared';
import { runDirect } from './sqlite-driver';

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
 * On SQLite it skips Kysely's executor (see `runDirect`): on the pool, and in a transaction opened by
 * `PersistenceService.transaction` (which binds it), it runs when called and hands back a settled
 * promise — except a write on the pool while a transaction holds the writer, which waits for it. So on
 * the pool a template runs before a Kysely-built statement that was called earlier but not yet awaited
 * (that one waits for a connection first): await a write before a template that must see it.
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
    const query: CompiledQuery<Row> = { sql: template.sql, query: template.query, parameters, queryId: createQueryId() };
    try {
      return runDirect<Row>(db, query) ?? db.executeQuery<Row>(query);
    } catch (error) {
      return Promise.reject(error as Error); // (Kysely refuses a transaction used after its end by a throw)
    }
  }

  /** The rows of the statement (a select, or a write with `returning`). */
  rows(db: Kysely<Database>, ...args: Args): Promise<Row[]> {
    return this.execute(db, ...args).then(rowsOf);
  }

  /** How many rows a write changed. */
  affected(db: Kysely<Database>, ...args: Args): Promise<number> {
    return this.execute(db, ...args).then(affectedOf);
  }
}

function rowsOf<Row>(result: QueryResult<Row>): Row[] {
  return result.rows;
}

function affectedOf(result: QueryResult<unknown>): number {
  return Number(result.numAffectedRows ?? 0);
}

/**
 * The rows of a multi-row INSERT template: `count` rows of `columns`, taking the builder's flat
 * arguments (the placeholders) row by row. A group's values are passed flat in the same order.
 */
export function templateRows<Table>(columns: readonly string[], count: number, values: readonly unknown[]): Insertable<Table>[] {
  return Array.from(
    { length: count },
    (_, row) => Object.fromEntries(columns.map((column, i) => [column, values[row * columns.length + i]])) as unknown as Insertable<Table>,
  );
}
