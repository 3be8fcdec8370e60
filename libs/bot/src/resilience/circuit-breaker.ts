/**
 * A circuit breaker for one remote dependency (the bot). Pure: time comes from `now`, nothing is
 * scheduled, so every transition is unit-tested without waiting.
 *
 * - CLOSED: calls go through; `failureThreshold` consecutive failures open the circuit.
 * - OPEN: calls are refused at once (a dead bot costs the customer nothing but the error message)
 *   until `cooldownMs` has passed since it opened.
 * - HALF_OPEN: exactly one trial call is let through; its success closes the circuit, its failure
 *   opens it again for another cool-down. Other calls meanwhile are refused, so a recovering bot is
 *   not flooded.
 */
export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (≥ 1). */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is allowed. */
  cooldownMs: number;
  now?: () => number;
}

export class CircuitBreaker {
  private current: CircuitState = 'CLOSED';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1)
      throw new Error('failureThreshold must be an integer ≥ 1');
    if (!(options.cooldownMs >= 0)) throw new Error('cooldownMs must be ≥ 0');
    this.now = options.now ?? Date.now;
  }

  /** The state as a caller would see it now (an elapsed cool-down reads as HALF_OPEN). */
  get state(): CircuitState {
    if (this.current === 'OPEN' && this.now() - this.openedAt >= this.options.cooldownMs) return 'HALF_OPEN';
    return this.current;
  }

  get failures(): number {
    return this.consecutiveFailures;
  }

  /** When an open circuit lets the next trial through (epoch ms), for error messages. */
  get retryAt(): number | undefined {
    return this.current === 'OPEN' ? this.openedAt + this.options.cooldownMs : undefined;
  }

  /**
   * Asks to make a call. True: make it, then report `onSuccess` or `onFailure`. False: the circuit
   * is open (or a half-open trial is already running): fail fast without calling.
   */
  tryAcquire(): boolean {
    if (this.current === 'CLOSED') return true;
    if (this.current === 'OPEN') {
      if (this.now() - this.openedAt < this.options.cooldownMs) return false;
      this.current = 'HALF_OPEN';
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  onSuccess(): void {
    this.current = 'CLOSED';
    this.consecutiveFailures = 0;
    this.trialInFlight = false;
  }

  onFailure(): void {
    this.consecutiveFailures++;
    const trialFailed = this.current === 'HALF_OPEN';
    this.trialInFlight = false;
    if (trialFailed || (this.current === 'CLOSED' && this.consecutiveFailures >= this.options.failureThreshold)) {
      this.current = 'OPEN';
      this.openedAt = this.now();
    }
  }
}
