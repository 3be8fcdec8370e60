export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay is ever longer than this. */
  capMs: number;
  /** Attempts (counting the first) before the work is parked as dead. */
  maxAttempts: number;
}

/**
 * The one retry schedule of durable work (inbound journal, outbox, chat-server bridge): capped
 * exponential backoff with "equal jitter" — a random delay in [ceiling/2, ceiling] where
 * ceiling = min(cap, base·2^(attempt-1)) — so many items failing together do not retry in lockstep.
 * `attempt` counts from 1 (the attempt that just failed). Returns undefined when the attempts are
 * used up: the caller parks the work as dead (visible to operators, replayable).
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number | undefined {
  if (attempt >= options.maxAttempts) return undefined;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
