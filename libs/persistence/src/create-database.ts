import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import { Pool, types } from 'pg';
import { DatabaseConfig } from '@app/config';
import { Database } from './database.types';
import { persistenceMigrations } from './migrations';
import { PreparingClient } from './pg-prepared';
import { MigrationSet, schemaMigrationProvider } from './schema-migrations';
import { CheckpointerOptions, SqliteCheckpointer } from './sqlite-checkpointer';
import { CcmSqliteDialect } from './sqlite-driver';

// bigint (int8) columns hold epoch milliseconds and serial ids: both fit in a JS number.
types.setTypeParser(20, (value: string) => Number(value));

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: DatabaseConfig['dialect'];
  /** PostgreSQL schema selected by `?schema=` (tables, including Kysely's migration tables, live there). */
  schema?: string;
  /** SQLite on a file: the worker thread that checkpoints the WAL (see SqliteCheckpointer). */
  checkpointer?: SqliteCheckpointer;
  /**
   * PostgreSQL: the intake's own connection (a pool of one, see `INTAKE_CONNECTIONS`), for its group
   * commit (`transaction(…, { intake: true })`). Absent on SQLite, where there is one writer anyway.
   */
  intakeDb?: Kysely<Database>;
}

/**
 * Connections kept for the intake's group commit on PostgreSQL, apart from the pool that processing
 * and sending share. The intake commits one group at a time, so one connection is all it uses; in the
 * shared pool its commit waited behind the turns and sends queued for a connection (bench, intake with
 * processing alongside: up to 13 waiting), and every webhook of the group waited with it.
 */
export const INTAKE_CONNECTIONS = 1;

/**
 * Page cache per SQLite connection, in KiB (negative: a size, not a page count). better-sqlite3 builds
 * SQLite with 16 MB per connection (upstream's default is 2 MB); with the writer and the reader that
 * was up to 31 MB of process memory once the database outgrew it, for pages the OS file cache holds
 * anyway. mmap stays off (SQLite's default): mapped pages would count in ccm's RSS too.
 */
const SQLITE_CACHE_SIZE = -4000;

/**
 * Opens the database named by the config. For PostgreSQL a `schema` query parameter
 * (`postgres://…/db?schema=tenant_a`) selects (and creates) a schema, which tests use for isolation.
 */
export async function openDatabase(config: DatabaseConfig, options: { checkpointer?: CheckpointerOptions } = {}): Promise<OpenDatabase> {
  if (config.dialect === 'sqlite') {
    if (config.url !== ':memory:') mkdirSync(dirname(config.url), { recursive: true });
    const writer = new BetterSqlite3(config.url);
    // Durability: WAL with synchronous=NORMAL. A commit is in the WAL file before the webhook's 200, so
    // it survives a crash or kill of the ccm process (the case we design for); only a power loss or
    // OS crash can lose the last commits before the next checkpoint. SQLITE_SYNCHRONOUS=FULL (fsync
    // on every commit) closes that gap at a cost in throughput; see docs/performance.md.
    writer.pragma('journal_mode = WAL');
    writer.pragma('busy_timeout = 5000');
    writer.pragma('foreign_keys = ON');
    writer.pragma(`synchronous = ${config.sqliteSynchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    writer.pragma(`cache_size = ${SQLITE_CACHE_SIZE}`);
    // Statement journals in memory. Inside a transaction, a statement that may fail halfway (a
    // multi-row INSERT, an UPDATE of several rows) first copies every page it changes to a statement
    // journal, so it can be undone alone; past 64 KiB that journal is a temporary file, written and
    // thrown away (nothing durable is in it: the WAL is). bench-intake-micro, the group commit in a
    // transaction: 26-29 -> 15-17 KB written per webhook, 10-11 -> 6.5-7 write calls, ~30 µs of CPU
    // less. The journal holds only the pages of the statement running; temporary tables and sorts of
    // this connection stay in memory too — a migration's CREATE INDEX on a large table sorts in RAM.
    writer.pragma('temp_store = MEMORY');
    // A second, read-only connection serves reads outside transactions (see CcmSqliteDialect).
    let reader: BetterSqlite3.Database | undefined;
    let checkpointer: SqliteCheckpointer | undefined;
    if (config.url !== ':memory:') {
      reader = new BetterSqlite3(config.url, { readonly: true });
      reader.pragma('busy_timeout = 5000');
      reader.pragma(`cache_size = ${SQLITE_CACHE_SIZE}`);
      // Checkpoints off the event loop (an in-memory database has no WAL); the worker starts with the driver.
      checkpointer = new SqliteCheckpointer(writer, config.url, options.checkpointer);
    }
    return {
      db: new Kysely<Database>({ dialect: new CcmSqliteDialect(writer, reader, checkpointer) }),
      dialect: 'sqlite',
      checkpointer,
    };
  }
  const url = new URL(config.url);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  if (schema && !/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new Error('DATABASE_URL schema must be a plain identifier');
  const logger = new Logger('Database');
  let lastWarning = 0;
  const warn = (error: Error) => {
    const now = Date.now();
    if (now - lastWarning < 5000) return; // one line per outage burst, not one per connection
    lastWarning = now;
    logger.warn(`PostgreSQL connection lost: ${error.message}`);
  };
  const pool = (max: number) => {
    const created = new Pool({
      connectionString: url.toString(),
      max,
      options: schema ? `-c search_path=${schema}` : undefined,
      // While the server is unreachable a query fails within this time instead of hanging: webhooks
      // get their 503 quickly (Meta retries) and the loops log and try again on their next tick.
      connectionTimeoutMillis: 5000,
      // Statements run as named prepared statements (see pg-prepared.ts).
      Client: PreparingClient,
    });
    // A connection the server drops (restart, outage, admin command) emits 'error' — on the pool while
    // idle, on the client itself while checked out. Unhandled, either kills the process. Both are
    // handled: the pool discards the broken client, the query in flight fails (its caller answers 503
    // or retries), and the next query opens a new connection once the server is back.
    created.on('error', warn);
    created.on('connect', (client) => client.on('error', warn));
    created.on('release', (_error, client) => (client as unknown as PreparingClient).dropHeldBegin());
    return created;
  };
  // Turns (INBOUND_CONCURRENCY) and sends run side by side, each needing a connection for its
  // statements: with 10, bench:profile answered 47 of 200 messages/s offered (reply p50 15 s) while
  // PostgreSQL and ccm both sat mostly idle waiting for a free connection; 40 gave 116/s.
  const shared = pool(config.poolSize ?? 30);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: shared }) });
  const intakeDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool(INTAKE_CONNECTIONS) }) });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return { db, dialect: 'postgres', schema: schema ?? undefined, intakeDb };
}

/**
 * Applies every pending migration of persistence's own tables and of the given libs' sets (the app
 * passes every lib's, see `apps/ccm/src/schema.ts`); throws with the failing migration's error.
 * Out-of-order names are allowed: a lib's migration may sort before one already applied.
 */
export async function migrateToLatest(open: OpenDatabase, libs: readonly MigrationSet[] = []): Promise<void> {
  const migrator = new Migrator({
    db: open.db,
    provider: schemaMigrationProvider(open.dialect, [persistenceMigrations, ...libs]),
    migrationTableSchema: open.schema,
    allowUnorderedMigrations: true,
  });
  for (let attempt = 1; ; attempt += 1) {
    let error: unknown;
    try {
      ({ error } = await migrator.migrateToLatest()); // a failed migration comes back here…
    } catch (thrown) {
      error = thrown; // …a failed look-up of the migration table is thrown
    }
    if (!error) return;
    if (attempt <= OTHER_SCHEMA_DROPPED_RETRIES && otherSchemaDropped(error, open.schema)) continue;
    throw error instanceof Error ? error : new Error(String(error));
  }
}

/** How often a migration run is tried again when another process dropped a schema under its table lookup. */
const OTHER_SCHEMA_DROPPED_RETRIES = 3;

/**
 * Whether a migration run failed only because a schema that is not this database's went away while it
 * looked: Kysely's migrator finds its own table by listing the tables of every schema (checking the
 * privilege on each), so another replica's tests or a bench dropping their schema at that moment fail
 * the look-up with `3F000 schema "…" does not exist`. Nothing ran yet (the look-up comes first and
 * PostgreSQL migrations run in one transaction), so the run is simply tried again.
 */
export function otherSchemaDropped(error: unknown, ownSchema: string | undefined): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e?.code !== '3F000' || typeof e.message !== 'string') return false;
  const named = /schema "([^"]+)" does not exist/.exec(e.message)?.[1];
  return named !== undefined && named !== ownSchema;
}
