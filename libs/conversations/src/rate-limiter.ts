/**
 * A token bucket per key (per Page): `ratePerSecond` takes per second on average, bursts of at most
 * a tenth of a second's worth — so no sliding one-second window ever sees more than 1.1 × the rate
 * (Meta counts per second, not per bucket). `take` never fails: it says how long to wait, so callers
 * queue instead of running into Meta's rate-limit errors (#613).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  private readonly capacity: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.capacity = Math.max(1, ratePerSecond / 10);
  }

  /** Takes one token for `key`; returns 0 when allowed now, else the ms to wait before trying again. */
  take(key: string): number {
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) * this.ratePerSecond) / 1000);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / this.ratePerSecond);
  }
}
