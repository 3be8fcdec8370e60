import { CreateTableBuilder, Kysely, Migration, MigrationProvider } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** What a migration may need beyond the connection: the one dialect difference, hidden. */
export interface SchemaTools {
  readonly dialect: Dialect;
  /** `create table <table>` with an auto-increment `id` primary key (bigserial on PostgreSQL). */
  serialId(db: Kysely<unknown>, table: string): CreateTableBuilder<string, 'id'>;
}

/**
 * One schema change, in its own file `libs/<lib>/src/migrations/<name>.ts` (the name, e.g.
 * `0500_desk_work_states`, is what `kysely_migration` records: never rename or edit a landed one).
 * The same builder calls run on SQLite and PostgreSQL.
 */
export interface SchemaMigration {
  up(db: Kysely<unknown>, tools: SchemaTools): Promise<void>;
}

/** A lib's migrations, by name: the lib that reads and writes a table owns the migrations that shape it. */
export interface MigrationSet {
  /** The owning lib (shown when two libs claim one name). */
  readonly owner: string;
  readonly migrations: Readonly<Record<string, SchemaMigration>>;
}

/**
 * Kysely's provider over several libs' sets: merged, sorted by name (names sort by their number;
 * each lib — or each helper — takes a range so two never collide), a name claimed twice refused.
 */
export function schemaMigrationProvider(dialect: Dialect, sets: readonly MigrationSet[]): MigrationProvider {
  const tools: SchemaTools = {
    dialect,
    serialId: (db, table) =>
      db.schema
        .createTable(table)
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        ),
  };
  const owners = new Map<string, string>();
  const merged: [string, Migration][] = [];
  for (const set of new Set(sets)) {
    for (const [name, migration] of Object.entries(set.migrations)) {
      const claimed = owners.get(name);
      if (claimed) throw new Error(`Migration ${name} is declared by both ${claimed} and ${set.owner}`);
      owners.set(name, set.owner);
      merged.push([name, { up: (db) => migration.up(db, tools) }]);
    }
  }
  merged.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations = Object.fromEntries(merged);
  return { getMigrations: async () => migrations };
}
