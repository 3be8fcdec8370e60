import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import type { SqliteCheckpointer } from './sqlite-checkpointer';
import {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteDialect,
  createQueryId,
  RawNode,
} from 'kysely';

/**
 * Kysely's SQLite driver, made fit for a busy server:
 *
 * - **Statements are prepared once and reused.** Kysely's own driver calls `prepare` for every query
 *   (SQLite parses and plans the SQL each time); here each distinct SQL text is prepared once per
 *   connection and kept in a bounded cache.
 * - **Reads are not blocked behind the writer.** SQLite allows one writer; Kysely serialises every
 *   query behind one connection mutex, so a read waits for any open transaction to finish (which may
 *   be waiting on its own awaits). Here a read outside a transaction that finds the writer held goes
 *   to a second, read-only connection (WAL lets it read the last committed state while the writer
 *   works; raw `sql` SELECTs too), and only writes and transactions take the writer's mutex. With the
 *   writer free, a read runs on the writer (same committed state, and its page cache is warm). A
 *   read inside a transaction stays on the writer so it sees the transaction's own writes.
 */
export class CcmSqliteDialect extends SqliteDialect {
  private driver?: CcmSqliteDriver;

  constructor(
    private readonly writer: BetterSqlite,
    private readonly reader?: BetterSqlite,
    private readonly checkpointer?: SqliteCheckpointer,
  ) {
    super({ database: writer });
  }

  override createDriver(): Driver {
    return (this.driver ??= new CcmSqliteDriver(this.writer, this.reader, this.checkpointer));
  }

  override createAdapter(): SqliteAdapter {
    return new CcmSqliteAdapter(this.createDriver() as CcmSqliteDriver);
  }
}

/** SQLite's adapter, carrying the driver so that `runDirect` can reach it from a Kysely instance. */
class CcmSqliteAdapter extends SqliteAdapter {
  constructor(readonly driver: CcmSqliteDriver) {
    super();
  }
}

/** A Kysely instance, or transaction, of any schema. */
type KyselyInstance = Pick<Kysely<unknown>, 'getExecutor' | 'isTransaction'>;

/** Transactions opened through `bindTransaction`, and their connection (each transaction acquires its own). */
const boundTransactions = new WeakMap<object, CcmSqliteConnection>();

/**
 * Called first thing inside a transaction's callback (`db.transaction().execute(async (trx) => …)`):
 * lets `runDirect` run statements on `trx` without Kysely's executor. On SQLite the writer is held by
 * this transaction from its BEGIN until its COMMIT or ROLLBACK, so the connection in a transaction now
 * is `trx`'s own. Elsewhere a no-op.
 */
export function bindTransaction(trx: KyselyInstance): void {
  const adapter = trx.getExecutor().adapter;
  if (!(adapter instanceof CcmSqliteAdapter)) return;
  const connection = adapter.driver.openTransaction;
  if (connection) boundTransactions.set(trx, connection);
}

/**
 * Runs a compiled statement on SQLite without Kysely's executor (its connection acquire and release,
 * plugin passes and a handful of promises per statement — each paying the AsyncLocalStorage hooks),
 * with the same placement rules as a statement through Kysely (`CcmSqliteConnection.executeQuery`):
 * on the root instance, outside any transaction; on a transaction bound by `bindTransaction`, inside
 * it, and only while it is open. Anything else (PostgreSQL, a transaction not bound or already ended,
 * a driver Kysely has not initialised yet) answers undefined: the caller goes through Kysely, which
 * also reports a transaction used after its end. No plugins are configured, so the results are what
 * Kysely would hand back.
 */
export function runDirect<R>(db: KyselyInstance, query: CompiledQuery): Promise<QueryResult<R>> | undefined {
  const adapter = db.getExecutor().adapter;
  if (!(adapter instanceof CcmSqliteAdapter)) return undefined;
  const driver = adapter.driver;
  if (!driver.initialised) return undefined;
  if (!db.isTransaction) return driver.executeOutside(query);
  const connection = boundTransactions.get(db);
  return connection?.inTransaction ? settled(driver.writer, query) : undefined;
}

/** How many distinct statements each connection keeps prepared (oldest dropped first). */
const STATEMENT_CACHE_SIZE = 500;

/** A prepared statement, and whether it returns rows (read once: `reader` is a native getter). */
interface Prepared {
  readonly statement: Statement;
  readonly returnsRows: boolean;
}

class StatementCache {
  private readonly statements = new Map<string, Prepared>();

  constructor(readonly db: BetterSqlite) {}

  get(sql: string): Prepared {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const statement = this.db.prepare(sql);
      prepared = { statement, returnsRows: statement.reader };
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }
}

function run(cache: StatementCache, query: CompiledQuery): QueryResult<unknown> {
  const { statement, returnsRows } = cache.get(query.sql);
  const parameters = query.parameters as unknown[];
  if (returnsRows) return { rows: statement.all(parameters) };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return {
    numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
    insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
    rows: [],
  };
}

/** `run` as a settled promise: the statement has run (or failed) by the time this returns. */
function settled<R>(cache: StatementCache, query: CompiledQuery): Promise<QueryResult<R>> {
  try {
    return Promise.resolve(run(cache, query) as QueryResult<R>);
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

const DONE = Promise.resolve();

class Mutex {
  private held?: Promise<void>;
  private release?: () => void;

  get free(): boolean {
    return !this.held;
  }

  async lock(): Promise<void> {
    while (this.held) await this.held;
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  unlock(): void {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }
}

/** How many writer statements (outside transactions) and commits pass between two looks at the WAL's size (a stat call). */
const LOOK_AT_WAL_EVERY = 256;

class CcmSqliteDriver implements Driver {
  readonly writerMutex = new Mutex();
  readonly writer: StatementCache;
  readonly reader?: StatementCache;

  constructor(
    writer: BetterSqlite,
    reader?: BetterSqlite,
    private readonly checkpointer?: SqliteCheckpointer,
  ) {
    this.writer = new StatementCache(writer);
    this.reader = reader ? new StatementCache(reader) : undefined;
  }

  /** Set once Kysely has initialised the driver (its first query): `runDirect` waits for that. */
  initialised = false;

  /** The connection whose transaction holds the writer (one at a time). */
  openTransaction?: CcmSqliteConnection;

  async init(): Promise<void> {
    // Kysely initialises the driver on the first query and destroys it only if it was: the worker
    // starts no earlier, so that it is always stopped again.
    if (this.checkpointer?.startsAtOnce) this.checkpointer.start(this.writerMutex);
    this.initialised = true;
  }

  /** Statements run on the writer outside a transaction, and commits, since the checkpointer last looked at the WAL. */
  private writesSinceLook = 0;

  /** Every LOOK_AT_WAL_EVERY writes the checkpointer that has not started yet looks whether the WAL has grown enough. */
  noteWrite(): void {
    if (++this.writesSinceLook < LOOK_AT_WAL_EVERY || !this.checkpointer?.waitingToStart) return;
    this.writesSinceLook = 0;
    this.checkpointer.startWhenBusy(this.writerMutex);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // Cheap: the writer is locked per write, or for the whole of a transaction (beginTransaction).
    return new CcmSqliteConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.writerMutex.lock();
    (connection as CcmSqliteConnection).inTransaction = true;
    this.openTransaction = connection as CcmSqliteConnection;
    try {
      run(this.writer, CompiledQuery.raw('begin'));
    } catch (error) {
      (connection as CcmSqliteConnection).inTransaction = false;
      this.openTransaction = undefined;
      this.writerMutex.unlock();
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed COMMIT (e.g. a constraint deferred to commit) leaves the transaction open: Kysely then
    // rolls back, which releases the writer.
    run(this.writer, CompiledQuery.raw('commit'));
    this.endTransaction(connection as CcmSqliteConnection);
    this.noteWrite();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      if (this.writer.db.inTransaction) run(this.writer, CompiledQuery.raw('rollback'));
    } finally {
      this.endTransaction(connection as CcmSqliteConnection);
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(RawNode.createWithSql(`savepoint "${name}"`), createQueryId()));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(RawNode.createWithSql(`rollback to "${name}"`), createQueryId()));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(RawNode.createWithSql(`release "${name}"`), createQueryId()));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    // Defensive: a connection released with its transaction still open must not keep the writer.
    if ((connection as CcmSqliteConnection).inTransaction) return this.rollbackTransaction(connection);
    return DONE; // no promise of its own: this runs after every statement
  }

  async destroy(): Promise<void> {
    this.initialised = false; // (Kysely's path then reports the destroyed driver)
    // The worker's connection first: the writer, closing last, checkpoints what is left and removes the WAL.
    await this.checkpointer?.close();
    this.reader?.db.close();
    this.writer.db.close();
  }

  private endTransaction(connection: CcmSqliteConnection): void {
    if (!connection.inTransaction) return;
    connection.inTransaction = false;
    this.openTransaction = undefined;
    this.writerMutex.unlock();
  }

  /** A statement outside any transaction (see `CcmSqliteConnection.executeQuery`). */
  executeOutside<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // With the writer free nothing can interleave with a synchronous statement: a write runs at once,
    // and so does a read, on the writer too. Its page cache stays valid across its own commits, while
    // the reader's is dropped whenever anything was committed since its last read (SQLite re-reads
    // each page from the file then: syscalls, most of a point lookup's cost).
    if (this.writerMutex.free) {
      this.noteWrite(); // (reads too: only a cadence for looking at the WAL's size)
      return settled(this.writer, query);
    }
    // The writer is held (an open transaction, or the checkpointer): a read goes to the reader
    // connection (the last committed state); a write waits for the writer.
    if (this.reader && isRead(query)) return settled(this.reader, query);
    return this.afterWriter(query);
  }

  private async afterWriter<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    await this.writerMutex.lock();
    try {
      return run(this.writer, query) as QueryResult<R>;
    } finally {
      this.writerMutex.unlock();
    }
  }
}

/** A query that only reads: a Kysely select, or a raw `sql` text that is a plain SELECT (e.g. a work-queue claim's scan). */
function isRead(query: CompiledQuery): boolean {
  return SelectQueryNode.is(query.query) || (RawNode.is(query.query) && /^\s*select\s/i.test(query.sql));
}

class CcmSqliteConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(private readonly driver: CcmSqliteDriver) {}

  /**
   * Not `async`: a statement runs synchronously, so the common cases hand Kysely a settled promise
   * without the extra promises (and their async-hook callbacks) of an async function and the mutex.
   */
  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.inTransaction ? settled(this.driver.writer, query) : this.driver.executeOutside(query);
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQLite here; page with limit/offset');
  }
}
