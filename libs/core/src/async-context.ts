import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The one AsyncLocalStorage behind ccm's async context values (the correlation id, the work fence,
 * the Page pacer's reservation). Node 20 copies every enabled AsyncLocalStorage's store onto every
 * promise and async resource created (a property write per store per promise): with three stores a
 * chain of awaits cost ~540 ns per step in a microbenchmark, with one ~320 (none: ~130). A message
 * creates a few hundred promises. Each value has a slot in the one store (a small array, copied when a
 * slot is entered: entering is rare, creating promises is not).
 */
const storage = new AsyncLocalStorage<readonly unknown[]>();
let slots = 0;

/**
 * One value carried along the async calls made inside `run` (as an AsyncLocalStorage of its own
 * would). Create slots once per module (not per object): each takes an index in the shared store.
 */
export class AsyncContextSlot<T> {
  private readonly index = slots++;

  /** The value of the innermost `run` of this slot around the caller, if any. */
  get(): T | undefined {
    return storage.getStore()?.[this.index] as T | undefined;
  }

  /** Runs `work` with this slot set to `value` (the other slots keep theirs); restored after. */
  run<R>(value: T, work: () => R): R {
    const current = storage.getStore();
    const next = current ? current.slice() : new Array<unknown>(slots);
    next[this.index] = value;
    return storage.run(next, work);
  }
}

/**
 * Runs `work` outside every slot: for what outlives the caller's unit (a worker thread, a long-lived
 * handle), whose callbacks would otherwise carry that unit's correlation id, fence or reservation forever.
 */
export function outsideAsyncContext<R>(work: () => R): R {
  return storage.exit(work);
}
