import { GraphApiError, GraphErrorClass } from './graph-api.error';

/** Codes Meta documents as temporary (`../shared/messenger-platform.md` §7.2): retry with backoff. */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613, 1200, 2018321]);
/** Subcodes that turn an otherwise transient code into a permanent one. */
const PERMANENT_SUBCODES = new Set([2018338 /* tag abuse warning */, 1893016, 2018354, 2018352]);

/** Classifies a failed call. Pure; the table in the fact sheet is the source of truth. */
export function classifyGraphError(error: GraphApiError): GraphErrorClass {
  const { code, subcode, httpStatus, network } = error.details;
  if (network) return 'transient';
  if (code === 190) return 'token';
  if (code !== undefined) {
    if (subcode !== undefined && PERMANENT_SUBCODES.has(subcode)) return 'permanent';
    if (TRANSIENT_CODES.has(code)) return 'transient';
    return 'permanent';
  }
  if (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429)) return 'transient';
  return 'permanent';
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, capMs: 60_000, maxAttempts: 8 };

/**
 * Capped exponential backoff with "full jitter": a uniformly random delay in [0, min(cap, base·2^n)],
 * so many senders throttled at once do not retry in lockstep. `attempt` counts from 1.
 * Returns undefined when the attempts are used up.
 */
export function retryDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= options.maxAttempts) return undefined;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
