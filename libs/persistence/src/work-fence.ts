import { Kysely, sql } from 'kysely';
import { AsyncContextSlot } from '@app/core';
import { Database } from './database.types';
import { QueryTemplate } from './query-template';

/** A claim on one unit of durable work: who holds it, and which claim (epoch) of that row it is. */
export interface WorkLease {
  table: WorkTable;
  id: number;
  owner: string;
  epoch: number;
}

export type WorkTable = 'inbound_events' | 'messages' | 'bridge_outbox';

/** The work's lease was taken over by another holder: the transaction must have no effect. */
export class LeaseLostError extends Error {
  constructor(readonly lease: WorkLease) {
    super(`lease lost on ${lease.table} ${lease.id} (owner ${lease.owner}, epoch ${lease.epoch})`);
    this.name = 'LeaseLostError';
  }
}

/**
 * What a finishing fence did: the rows it changed (0: the lease is no longer ours) and, when it looks,
 * whether the work's key (its conversation) has more work pending.
 */
export interface FenceFinished {
  affected: number;
  /** Other work of the same key is pending (due or not); undefined: the fence did not look. */
  more?: boolean;
}

/**
 * The fence that also finishes the work (e.g. marks a journal event done): one fenced UPDATE of the
 * work's row, run as the transaction's first statement instead of the lease check.
 */
export type FenceFinish = (db: Kysely<Database>, lease: WorkLease) => Promise<FenceFinished>;

interface FenceContext {
  lease: WorkLease;
  /**
   * Set by the commit of the unit's effects (under `runFenced`: the first commit; under
   * `runFencedToFinish`: the transaction that finished the work): later transactions (listeners) need no fence.
   */
  spent: boolean;
  finish?: FenceFinish;
  /** What the finishing fence found, once its transaction committed. */
  finished?: FenceFinished;
}

/** How a transaction opened under a fence relates to the fenced work. */
export interface FencedTransactionOptions {
  /**
   * This transaction carries the work's effects (e.g. the unit that applies a journal event): under
   * `runFencedToFinish` its fence is the statement that finishes the work. Any other transaction
   * under the fence (a pause write, a connector saving state) only checks the lease, so its commit
   * never marks the work done before the effects are in.
   */
  finishesWork?: boolean;
}

const fences = new AsyncContextSlot<FenceContext>();

/**
 * Runs a unit of work under its lease: the first transaction `PersistenceService.transaction` opens
 * inside `work` (however deep, e.g. in the conversation handler) first checks — and row-locks — that
 * the lease is still ours, so a holder whose lease was taken over commits nothing.
 */
export function runFenced<T>(lease: WorkLease, work: () => Promise<T>): Promise<T> {
  return fences.run({ lease, spent: false }, work);
}

/**
 * `runFenced` whose fence also finishes the work: the transaction opened inside `work` with
 * `finishesWork` (the one that carries the work's effects) starts with `finish` (fenced: it changes
 * nothing unless the lease is still held), so the work's row is finished by the transaction that
 * commits its effects, in one statement with the lease check. Other transactions before it only check
 * the lease. `finished` is false when no such transaction committed: the caller finishes the work
 * itself then. `more`: what the finish saw of the key's other pending work (undefined: not known).
 */
export async function runFencedToFinish<T>(
  lease: WorkLease,
  finish: FenceFinish,
  work: () => Promise<T>,
): Promise<{ result: T; finished: boolean; more?: boolean }> {
  const context: FenceContext = { lease, spent: false, finish };
  const result = await fences.run(context, work);
  const more = context.spent ? context.finished?.more : undefined;
  return more === undefined ? { result, finished: context.spent } : { result, finished: context.spent, more };
}

/**
 * Whether a transaction opened here with `finishesWork` has its work finished by its fence (see
 * `runFencedToFinish`), so it need not mark the work done itself.
 */
export function fenceFinishesWork(): boolean {
  return activeFence()?.finish !== undefined;
}

/** The fence of the unit of work running in this async context, if it has not committed yet. */
export function activeFence(): FenceContext | undefined {
  const context = fences.get();
  return context && !context.spent ? context : undefined;
}

/**
 * Fails with LeaseLostError unless `lease` is still the row's current claim. The no-op UPDATE takes
 * the row lock on PostgreSQL, so no claim can slip in between this check and the commit. With `finish`
 * the check is the statement that finishes the work; returns what it found.
 */
export async function assertLeaseHeld(db: Kysely<Database>, lease: WorkLease, finish?: FenceFinish): Promise<FenceFinished> {
  const finished = finish
    ? await finish(db, lease)
    : { affected: await LEASE_CHECKS[lease.table].affected(db, lease.id, lease.owner, lease.epoch) };
  if (finished.affected === 0) throw new LeaseLostError(lease);
  return finished;
}

/** The check as one statement per queue table, built once (it runs for every unit of work; see QueryTemplate). */
const leaseCheck = (table: WorkTable) =>
  new QueryTemplate((db, id: number, owner: string, epoch: number) => {
    const query = sql`update ${sql.table(table)} set lease_epoch = lease_epoch
      where id = ${id} and lease_owner = ${owner} and lease_epoch = ${epoch}`;
    return { compile: () => query.compile(db) };
  });
const LEASE_CHECKS: Record<WorkTable, QueryTemplate<[number, string, number], unknown>> = {
  inbound_events: leaseCheck('inbound_events'),
  messages: leaseCheck('messages'),
  bridge_outbox: leaseCheck('bridge_outbox'),
};
