import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import { outsideAsyncContext } from '@app/core';
import type { Database as BetterSqlite } from 'better-sqlite3';

/** What one checkpoint did, as `PRAGMA wal_checkpoint` reports it (frames = pages written to the WAL). */
export interface CheckpointResult {
  /** 1 when a RESTART/TRUNCATE could not finish within the worker's busy timeout (PASSIVE never waits). */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames of those copied into the database file. */
  checkpointed: number;
  mode: 'PASSIVE' | 'RESTART' | 'TRUNCATE';
}

export interface CheckpointerOptions {
  /** How often the worker looks for new commits and checkpoints them (ms). */
  intervalMs?: number;
  /** From this many frames in the WAL the worker makes the writer start it over (RESTART). */
  restartAbovePages?: number;
  /** Above this WAL file size the worker truncates the WAL file instead (bytes). */
  truncateAboveBytes?: number;
  /**
   * The worker starts once the WAL file has reached this size (bytes; see `startWhenBusy`); 0: with
   * the driver, on the first query.
   */
  startAboveWalBytes?: number;
}

/**
 * The WAL size from which the worker starts, by default. A worker thread costs ~15 MB of RSS (its own
 * V8 isolate and Node environment): a process that has written little — start-up, an idle service,
 * most specs — keeps SQLite's auto-checkpoint instead and has no thread. About half of SQLite's own
 * checkpoint size (1000 frames of a 4 KiB page are ~4.1 MB): auto-checkpoint starts the file over
 * without shrinking it, so a threshold above that could never be reached.
 */
const START_ABOVE_WAL_BYTES = 2 * 1024 * 1024;

/** SQLite's own default (`wal_autocheckpoint`), restored when the worker is not there to do it. */
const AUTO_CHECKPOINT_PAGES = 1000;

/**
 * From this many frames in the WAL the worker holds the writer to start it over (`restartAbovePages`):
 * ~32 MiB of WAL file with 4 KiB pages. Each restart holds the app's writer for the few frames
 * committed since the last PASSIVE copy and up to three fsyncs (the WAL's, the database file's, the
 * new WAL header's): 1–57 ms (median 7) measured on the shared bench machine, during which every
 * write waits — webhook acks included. A turn writes ~14 frames, so at SQLite's 1000 the writer was
 * held 4–7 times a second at 300–500 answered messages/s. Frames already copied cost readers nothing
 * (a reader looks up only frames after the last checkpoint), so a longer WAL costs only disk space and
 * a longer recovery after a crash (the WAL is read once at open).
 */
const RESTART_ABOVE_PAGES = 8192;

/**
 * The worker: its own connection to the same file, checkpointing what the app's connections commit.
 * Plain JavaScript (evaluated, not a module file) so it runs the same under swc, Jest and the built
 * app; better-sqlite3 is required by the path the main thread resolved.
 *
 * Each cycle copies the WAL's new frames into the database file with a PASSIVE checkpoint, which
 * takes no lock the app's connections wait for. But the WAL only starts over from its beginning when
 * a write transaction begins with every frame copied, and under steady writes a concurrent PASSIVE
 * never quite catches up: the file would grow without bound. So from `restartAbovePages` frames the
 * worker asks the main thread for the writer (its async mutex: the event loop keeps running, only
 * writes wait) and, holding it, copies the few frames left (RESTART; TRUNCATE also empties the file
 * when it grew past `truncateAboveBytes`), then gives the writer back.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
// RESTART/TRUNCATE wait here (in this thread) for readers still on old frames; PASSIVE never waits.
db.pragma('busy_timeout = 1000');
db.pragma('wal_autocheckpoint = 0');
db.pragma('synchronous = ' + workerData.synchronous);
const walSize = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
let seen;
let restartedAt;
let cycling = false;
let closing = false;
let granted;
function checkpoint(mode) {
  return { ...db.pragma('wal_checkpoint(' + mode + ')')[0], mode };
}
async function cycle(force) {
  if (cycling || closing) return;
  cycling = true;
  try {
    // data_version changes when another connection commits: nothing committed, nothing to copy.
    const version = db.pragma('data_version', { simple: true });
    if (!force && version === seen) return;
    let result = checkpoint('PASSIVE');
    seen = result.log === result.checkpointed ? version : undefined;
    const large = walSize() > workerData.truncateAboveBytes;
    // The same frames as right after the last restart: the writer has not written since, so the WAL
    // starts over with its next frame already.
    const restarted = result.log === restartedAt && result.checkpointed === result.log;
    if (!restarted && (result.log >= workerData.restartAbovePages || large)) {
      await new Promise((resolve) => { granted = resolve; parentPort.postMessage({ type: 'lock' }); });
      try {
        if (!closing) {
          result = checkpoint(large ? 'TRUNCATE' : 'RESTART');
          restartedAt = result.busy ? undefined : result.log;
          // The first frame written to a WAL that starts over also fsyncs the WAL's new header (even
          // with synchronous=NORMAL). Written by the app's writer that fsync (0.2-8 ms measured) lands
          // on the event loop: this connection writes that frame instead, a no-op rewrite of
          // user_version (which ccm does not use), while it still holds the writer.
          if (!result.busy) db.transaction(() => db.pragma('user_version = ' + db.pragma('user_version', { simple: true }))).immediate();
        }
      } finally {
        parentPort.postMessage({ type: 'unlock' });
      }
    }
    parentPort.postMessage({ type: 'checkpoint', result });
  } catch (error) {
    fail(error);
  } finally {
    cycling = false;
  }
}
const timer = setInterval(() => void cycle(false), workerData.intervalMs);
function fail(error) {
  closing = true;
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.postMessage({ type: 'failed', message: error && error.message ? error.message : String(error) });
  parentPort.close();
}
parentPort.on('message', (message) => {
  if (message === 'locked') {
    granted();
  } else if (message === 'now') {
    void cycle(true);
  } else if (message === 'close') {
    closing = true;
    clearInterval(timer);
    if (granted) granted();
    db.close();
    parentPort.close();
  }
});
parentPort.postMessage({ type: 'ready' });
`;

type WorkerMessage =
  { type: 'ready' | 'lock' | 'unlock' } | { type: 'checkpoint'; result: CheckpointResult } | { type: 'failed'; message: string };

/** The writer's mutex, as the driver holds it (acquired without blocking the event loop). */
export interface WriterLock {
  lock(): Promise<void>;
  unlock(): void;
}

/**
 * WAL checkpoints off the event loop. better-sqlite3 is synchronous, and SQLite's auto-checkpoint runs
 * inside whichever commit pushes the WAL past 1000 pages: that commit copies the pages into the
 * database file and fsyncs it on the main thread, stalling every request for 4–39 ms (bench profile).
 * Here a worker thread with its own connection checkpoints every `intervalMs` when something was
 * committed (see WORKER_SOURCE), and the app's writer has auto-checkpoint off. Durability is
 * unchanged: a commit is in the WAL before it returns, checkpointed or not.
 *
 * The worker starts with the driver (on the first query) and stops when the database is destroyed.
 * Until it has opened its connection, and if it fails or exits, the writer keeps (or gets back)
 * SQLite's auto-checkpoint, with one warning.
 */
export class SqliteCheckpointer {
  private readonly logger = new Logger('SqliteCheckpointer');
  private worker?: Worker;
  private writerLock?: WriterLock;
  /** The writer is held for the worker's RESTART/TRUNCATE. */
  private holding = false;
  private running = false;
  private closed = false;
  private fallenBack = false;
  private exited: Promise<void> = Promise.resolve();
  private readonly waiting: ((result: CheckpointResult) => void)[] = [];
  private settle!: (active: boolean) => void;
  /** Resolves once the worker took the checkpoints over (true) or it could not (false). */
  readonly ready = new Promise<boolean>((resolve) => (this.settle = resolve));
  /** The last checkpoint that had new commits to copy (for diagnosis and specs). */
  last?: CheckpointResult;
  /** RESTART/TRUNCATE checkpoints so far: each held the app's writer (diagnosis and specs). */
  restarts = 0;

  constructor(
    private readonly writer: BetterSqlite,
    private readonly file: string,
    private readonly options: CheckpointerOptions = {},
  ) {}

  /** Whether the worker should start with the driver (else `startWhenBusy` starts it). */
  get startsAtOnce(): boolean {
    return (this.options.startAboveWalBytes ?? START_ABOVE_WAL_BYTES) <= 0;
  }

  /** Whether the worker has not been started yet (nor closed). */
  get waitingToStart(): boolean {
    return !this.worker && !this.closed && !this.fallenBack;
  }

  /** Starts the worker once the WAL file has grown to `startAboveWalBytes` (the driver asks every so many writes). */
  startWhenBusy(writerLock: WriterLock): void {
    if (!this.waitingToStart) return;
    let size: number;
    try {
      size = statSync(`${this.file}-wal`).size;
    } catch {
      return; // no WAL file (yet)
    }
    if (size >= (this.options.startAboveWalBytes ?? START_ABOVE_WAL_BYTES)) this.start(writerLock);
  }

  /** Starts the worker; `writerLock` is the driver's mutex for the writer. If it cannot start, auto-checkpoint stays. */
  start(writerLock: WriterLock): void {
    if (this.worker || this.closed) return;
    this.writerLock = writerLock;
    try {
      // Started by whichever unit made the write that grew the WAL: its handlers must not run in that
      // unit's async context (correlation id, fence) for the rest of the process's life.
      const worker = outsideAsyncContext(
        () =>
          new Worker(WORKER_SOURCE, {
            eval: true,
            workerData: {
              driver: require.resolve('better-sqlite3'),
              file: this.file,
              intervalMs: this.options.intervalMs ?? 100,
              restartAbovePages: this.options.restartAbovePages ?? RESTART_ABOVE_PAGES,
              truncateAboveBytes: this.options.truncateAboveBytes ?? 64 * 1024 * 1024,
              // As the app's writer: the checkpoint's fsyncs, and the commit of the rewrite below.
              synchronous: this.writer.pragma('synchronous', { simple: true }) === 2 ? 'FULL' : 'NORMAL',
            },
          }),
      );
      this.worker = worker;
      // Never what keeps a process alive (a spec or script that forgets to close the database).
      worker.unref();
      worker.on('message', (message: WorkerMessage) => this.onMessage(message));
      worker.on('error', (error) => this.fallBack(error.message));
      this.exited = new Promise((resolve) =>
        worker.once('exit', () => {
          this.release();
          this.fallBack('the checkpoint worker exited');
          resolve();
        }),
      );
    } catch (error) {
      this.fallBack(error instanceof Error ? error.message : String(error));
    }
  }

  /** Whether the worker does the checkpoints now (the writer's auto-checkpoint is off). */
  get active(): boolean {
    return this.running;
  }

  /** Runs a checkpoint cycle now, whether or not the worker saw a commit since its last one (specs, diagnosis). */
  checkpointNow(): Promise<CheckpointResult> {
    const result = this.nextCheckpoint();
    this.worker?.postMessage('now');
    return result;
  }

  /** The result of the worker's next checkpoint cycle (specs). */
  nextCheckpoint(): Promise<CheckpointResult> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Stops the worker (its connection closed) before the app's connections close. */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    this.running = false;
    this.settle(false);
    if (!this.worker) return;
    this.worker.postMessage('close');
    // A worker stuck in a checkpoint past its busy timeout is stopped rather than awaited forever.
    const timer = setTimeout(() => void this.worker?.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        if (this.closed || this.fallenBack) return;
        this.writer.pragma('wal_autocheckpoint = 0');
        this.running = true;
        this.settle(true);
        return;
      case 'lock':
        void this.writerLock!.lock().then(() => {
          this.holding = true;
          if (this.closed || this.fallenBack) return this.release();
          this.worker?.postMessage('locked');
        });
        return;
      case 'unlock':
        this.release();
        return;
      case 'checkpoint':
        this.last = message.result;
        if (message.result.mode !== 'PASSIVE') this.restarts += 1;
        for (const resolve of this.waiting.splice(0)) resolve(message.result);
        return;
      case 'failed':
        this.fallBack(message.message);
    }
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.writerLock!.unlock();
  }

  private fallBack(reason: string): void {
    this.settle(false);
    this.running = false;
    if (this.closed || this.fallenBack) return;
    this.fallenBack = true;
    if (this.writer.open) this.writer.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    this.logger.warn(`WAL checkpoints back on the main thread (auto-checkpoint): ${reason}`);
  }
}
