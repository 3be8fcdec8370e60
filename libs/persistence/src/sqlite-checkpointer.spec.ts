import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { sqliteTestDatabase } from '@app/testing';
import { openDatabase, OpenDatabase } from './create-database';
import { CheckpointerOptions, SqliteCheckpointer } from './sqlite-checkpointer';

const PAGE = 4096;
/** One row of about one database page: the WAL grows by about a frame per row written. */
const filler = 'x'.repeat(PAGE - 200);

describe('SQLite WAL checkpoints on a worker thread', () => {
  let open: OpenDatabase;
  let file: string;
  const wal = () => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

  async function start(intervalMs: number, options: CheckpointerOptions = {}): Promise<SqliteCheckpointer> {
    file = sqliteTestDatabase().url;
    open = await openDatabase({ dialect: 'sqlite', url: file }, { checkpointer: { intervalMs, startAboveWalBytes: 0, ...options } });
    await sql`create table filler (id integer primary key, body text not null)`.execute(open.db);
    expect(await open.checkpointer!.ready).toBe(true);
    return open.checkpointer!;
  }

  /**
   * `rows` rows of about a page each, in transactions of 50 (as the app commits: many small
   * transactions, each started by an I/O event, so the event loop turns between them and serves the
   * worker's request for the writer).
   */
  async function write(rows: number): Promise<void> {
    for (let done = 0; done < rows; done += 50) {
      await open.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 50; i++) await sql`insert into filler (body) values (${filler})`.execute(trx);
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  afterEach(async () => {
    await open.db.destroy();
  });

  it('should never checkpoint on the main connection: the worker copies the WAL, which then starts over', async () => {
    const checkpointer = await start(3_600_000, { restartAbovePages: 1000 }); // only when asked
    await write(3000);
    // SQLite's auto-checkpoint (1000 pages) in a commit would have restarted the WAL long before.
    expect(wal()).toBeGreaterThan(3000 * PAGE);
    const result = await checkpointer.checkpointNow();
    expect(result).toMatchObject({ mode: 'RESTART', busy: 0 });
    expect(result.checkpointed).toBe(result.log);
    const size = wal();
    await write(500);
    expect(wal()).toBe(size); // written from the start of the WAL again, not appended
  });

  it('should keep the WAL file bounded under sustained writes, checkpointed by the worker beside them', async () => {
    const checkpointer = await start(5, { restartAbovePages: 1000 });
    let largest = 0;
    for (let round = 0; round < 80; round++) {
      await write(100);
      largest = Math.max(largest, wal());
    }
    // 8000 pages written. Without the worker's restarts the WAL would hold all of them (a PASSIVE
    // checkpoint beside steady writes never lets it start over); with them it starts over about
    // every `restartAbovePages` frames (more only when the worker got too little CPU).
    expect(largest).toBeLessThan(4000 * PAGE);
    expect(checkpointer.active).toBe(true);
    expect(Number((await sql<{ n: number }>`select count(*) as n from filler`.execute(open.db)).rows[0].n)).toBe(8000);
  });

  it('should hold the writer for a restart only once the WAL reached 8192 frames by default, copying it meanwhile', async () => {
    // Each restart holds the app's writer (webhook acks wait): by default the WAL grows to ~32 MiB
    // first, copied into the database by PASSIVE checkpoints that hold nothing.
    const checkpointer = await start(3_600_000); // only when asked
    await write(4000);
    const passive = await checkpointer.checkpointNow();
    expect(passive).toMatchObject({ mode: 'PASSIVE', busy: 0 }); // SQLite's 1000 would have restarted it
    expect(passive.log).toBeGreaterThanOrEqual(4000);
    expect(passive.checkpointed).toBe(passive.log);
    expect(checkpointer.restarts).toBe(0);
    // All copied: the app's next transaction starts the WAL over by itself, no hold needed.
    await write(9000);
    const restart = await checkpointer.checkpointNow();
    expect(restart).toMatchObject({ mode: 'RESTART', busy: 0 });
    expect(restart.log).toBeGreaterThanOrEqual(8192);
    expect(checkpointer.restarts).toBe(1);
    const size = wal();
    await write(500);
    expect(wal()).toBe(size); // written from the start of the WAL again, not appended
  });

  it('should lose no commit that was not checkpointed when the process dies (the files as a crash leaves them)', async () => {
    await start(3_600_000);
    await write(1200);
    // A SIGKILL leaves the database file and the WAL as they are: copy both and open the copy.
    const copy = join(mkdtempSync(join(tmpdir(), 'ccm-crash-copy-')), 'ccm.sqlite');
    copyFileSync(file, copy);
    copyFileSync(`${file}-wal`, `${copy}-wal`);
    const db = new BetterSqlite3(copy);
    try {
      expect(db.prepare('select count(*) as n from filler').get()).toEqual({ n: 1200 });
    } finally {
      db.close();
    }
  });

  it('should truncate a WAL that grew past the limit once the worker caught up', async () => {
    await start(3_600_000, { restartAbovePages: 10_000, truncateAboveBytes: 1000 * PAGE });
    await write(1500);
    expect((await open.checkpointer!.checkpointNow()).mode).toBe('TRUNCATE');
    expect(wal()).toBeLessThan(2 * PAGE); // emptied; one frame: the worker starts the WAL over itself (see the worker)
  });

  it('should fall back to auto-checkpoint on the main connection when the worker dies', async () => {
    const checkpointer = await start(3_600_000);
    expect(checkpointer.active).toBe(true);
    // The worker ends unexpectedly (as a crash of its thread would).
    await (checkpointer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect(checkpointer.active).toBe(false);
    await write(3000);
    expect(wal()).toBeLessThan(2000 * PAGE); // SQLite's own checkpoints (every 1000 pages) restarted it
  });

  it('should start no worker thread until the WAL has grown (a process that wrote little has none)', async () => {
    file = sqliteTestDatabase().url;
    open = await openDatabase({ dialect: 'sqlite', url: file }, { checkpointer: { intervalMs: 5, startAboveWalBytes: 500 * PAGE } });
    await sql`create table filler (id integer primary key, body text not null)`.execute(open.db);
    // Each an autocommit: the driver looks at the WAL's size every 256 writes.
    const autocommits = async (rows: number, body: string) => {
      for (let i = 0; i < rows; i++) await sql`insert into filler (body) values (${body})`.execute(open.db);
    };
    await autocommits(300, 'x'); // ~300 frames of small rows, looked at once: SQLite's own auto-checkpoint stays, no thread runs
    expect(open.checkpointer!.waitingToStart).toBe(true);
    expect(open.checkpointer!.active).toBe(false);
    await autocommits(800, filler); // past 500 frames, and past more looks at the WAL's size
    expect(open.checkpointer!.waitingToStart).toBe(false);
    expect(await open.checkpointer!.ready).toBe(true);
    expect(open.checkpointer!.active).toBe(true);
  });

  it('should stop the worker when the database closes, leaving no thread behind', async () => {
    const threads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
    await start(5);
    await open.db.destroy();
    const before = threads();
    for (let i = 0; i < 5; i++) {
      const each = await openDatabase(sqliteTestDatabase(), { checkpointer: { startAboveWalBytes: 0 } });
      await sql`select 1`.execute(each.db); // the driver (and the worker) start with the first query
      expect(await each.checkpointer!.ready).toBe(true);
      await each.db.destroy();
      expect(each.checkpointer!.active).toBe(false);
    }
    expect(threads()).toBe(before);
    open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    expect(open.checkpointer).toBeUndefined(); // in memory: no WAL, no worker
  });
});
