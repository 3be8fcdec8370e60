import { AsyncResource } from 'node:async_hooks';

/** How long background work may hold the event loop before webhooks are read again (see BackgroundBudget). */
export const BACKGROUND_SLICE_MS = 4;

const PASS: Promise<void> = Promise.resolve();

/**
 * Shares the event loop between intake and background work (the inbound processor, the outbox, the
 * polling loops). On SQLite every query is synchronous and its promise resolves as a microtask, so a
 * chain of background units — turns, sends, claims for dozens of conversations — runs without ever
 * letting the event loop poll its sockets: webhooks wait unread, and their acks with them.
 *
 * So background work asks for a turn before each unit of work (`await budget.turn()`); intake never
 * does. Units run back to back until a slice of `sliceMs` is spent; further units then wait until the
 * event loop has gone round — the sockets have been polled, and the intake's group commit of the
 * webhooks read there (`foreground`) has run — before the next slice starts. With nothing else to do
 * the loop goes round at once, so background work still gets the whole core. When the loop turns
 * between units anyway (PostgreSQL, where every query is I/O; a Graph call), each unit finds a fresh
 * slice and passes at once: the cost is a clock read and one setImmediate per slice.
 *
 * Units go one at a time: the next one only once everything the last one set off has settled (the
 * microtask queue ran empty: it finished, or it waits for I/O), in the order they asked, and only
 * while the slice has time left. Let go together, units would run interleaved as microtasks, all to
 * their ends, and a slice would last as long as all of them; this way it ends within one unit of its
 * budget, and units that wait for I/O still overlap.
 *
 * One per process (`BackgroundBudget.shared`), as the event loop is: services get it through the
 * `BackgroundBudget` provider. A unit must not ask for a turn inside a database transaction (on
 * SQLite it would hold the writer while it waits).
 */
export class BackgroundBudget {
  static readonly shared = new BackgroundBudget();

  /** When the current slice began (`elapsed()` time); undefined once the event loop went round. */
  private sliceStart?: number;
  private readonly waiting: (() => void)[] = [];
  private foregroundWork: (() => void)[] = [];
  /** A unit was let go, and what it set off may not have settled yet. */
  private running = false;
  /** The loop went round with units waiting: a slice opens once the foreground work run there has settled. */
  private opening = false;
  /** A setImmediate is pending: it runs the foreground work, then ends the current slice or opens the next. */
  private hopScheduled = false;
  private settleScheduled = false;

  constructor(
    readonly sliceMs = BACKGROUND_SLICE_MS,
    /** A monotonic clock in milliseconds (a fake one in unit specs). */
    private readonly elapsed: () => number = () => performance.now(),
  ) {}

  /** Units waiting for their turn right now (for specs and metrics). */
  get waiters(): number {
    return this.waiting.length;
  }

  /** Resolves when this unit of background work may run: at once when nothing else runs or waits and the slice has time left. */
  turn(): Promise<void> {
    if (this.sliceStart === undefined) this.startSlice();
    if (!this.running && this.waiting.length === 0 && this.timeLeft()) {
      this.running = true;
      this.scheduleSettle();
      return PASS;
    }
    const turn = new Promise<void>((resolve) => this.waiting.push(resolve));
    // Nothing runs: the longest-waiting unit goes once the caller's own microtasks have settled.
    if (!this.running && this.timeLeft()) this.scheduleSettle();
    return turn;
  }

  /**
   * Runs `callback` in the event loop's next check phase, as setImmediate would, but ahead of the next
   * background slice (and of the waiting units' setImmediate): the intake's group commit of the
   * webhooks read in this turn of the loop. Never waits for background work.
   */
  foreground(callback: () => void): void {
    // Run in the caller's async context (its correlation id), not that of whoever scheduled the hop.
    // A resource and runInAsyncScope, not AsyncResource.bind: on Node 20 `bind` costs ~17 µs a call
    // (it defines a deprecated getter on the bound function), ~0.2 µs this way; once per group commit.
    const resource = new AsyncResource('ccm.foreground');
    this.foregroundWork.push(() => resource.runInAsyncScope(callback));
    this.scheduleHop();
  }

  private timeLeft(): boolean {
    return this.sliceStart !== undefined && this.elapsed() - this.sliceStart < this.sliceMs;
  }

  private startSlice(): void {
    this.sliceStart = this.elapsed();
    this.scheduleHop();
  }

  private scheduleHop(): void {
    if (this.hopScheduled) return;
    this.hopScheduled = true;
    setImmediate(() => {
      this.hopScheduled = false;
      this.loopWentRound();
    });
  }

  /**
   * The check phase: the sockets were polled. The foreground work goes first. The first hop after a
   * slice began ends it; waiting units get their slice from the hop after that, in the next loop
   * iteration, and only once the foreground work has settled (on SQLite a group commit is all
   * microtasks).
   */
  private loopWentRound(): void {
    const sliceEnded = this.sliceStart !== undefined;
    this.sliceStart = undefined;
    const foreground = this.foregroundWork;
    this.foregroundWork = [];
    for (const callback of foreground) {
      try {
        callback();
      } catch (error) {
        process.nextTick(() => {
          throw error; // as from a setImmediate callback of its own
        });
      }
    }
    if (this.waiting.length === 0) return;
    if (sliceEnded) this.scheduleHop();
    else {
      this.opening = true;
      this.scheduleSettle();
    }
  }

  /** The last unit let go has settled (or none was): the longest-waiting unit goes, if the slice has time left. */
  private letNextGo(): void {
    this.running = false;
    if (this.opening) {
      this.opening = false;
      if (this.sliceStart === undefined && this.waiting.length > 0) this.startSlice();
    }
    if (this.waiting.length === 0 || !this.timeLeft()) return; // the next hop opens a slice for them
    this.running = true;
    this.waiting.shift()!();
    this.scheduleSettle();
  }

  /**
   * After the microtasks queued so far and all they queue in turn: a process.nextTick callback queued
   * from a microtask runs only once the microtask queue is empty (queued from a plain callback, it
   * would run before them).
   */
  private scheduleSettle(): void {
    if (this.settleScheduled) return;
    this.settleScheduled = true;
    queueMicrotask(() =>
      process.nextTick(() => {
        this.settleScheduled = false;
        this.letNextGo();
      }),
    );
  }
}
