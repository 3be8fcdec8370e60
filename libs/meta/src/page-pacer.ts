import type { Redis } from 'ioredis';
import { AsyncContextSlot } from '@app/core';

/**
 * A call granted now reaches Meta a little later, and not always equally later (event-loop lag,
 * connection reuse, the network): two calls granted 1,000 ms apart can arrive 990 ms apart. Meta
 * counts on arrival, so the window counted here is a second plus this margin, and jitter up to it
 * cannot push a Page over its rate as Meta sees it (measured: two saturated instances at 20/s had
 * 21-22 calls arrive within one second with a plain one-second window, still up to 21 with a 100 ms
 * margin once they ran fast enough to keep every Page saturated, up to exactly 20 with 150 ms, and
 * 21 once in a full test run with 200 ms after processing began yielding to intake: 300 ms costs a
 * saturated Page about a quarter of its rate, 192 of the default 250 calls per second).
 */
export const PACING_TRANSIT_MARGIN_MS = 300;
const WINDOW_MS = 1000 + PACING_TRANSIT_MARGIN_MS;
/**
 * A slot reserved ahead of a call (the outbox reserves, then checks its lease and renders before the
 * Graph call) is used only if the call goes out within this time of the grant. A call that starts
 * later — a busy event loop, a wait for a database connection — takes a fresh slot instead (the old one
 * stays counted, wasted): else it would spend the margin above before it even left, and calls granted
 * apart could reach Meta bunched (measured: 21 calls in one second at 20/s with two saturated instances).
 */
const RESERVATION_FRESH_MS = 50;

/**
 * Per-Page pacing of every Graph API call (Send API messages, sender actions, profile reads, comment
 * calls): Meta caps calls per Page per second, across all of ccm's instances together.
 *
 * The limit is a sliding window, not a fixed one: in no one-second window, at any offset, does a
 * Page get more than `ratePerSecond` calls (counted over a second plus PACING_TRANSIT_MARGIN_MS, so
 * that holds where Meta counts) — and to keep it smooth, no window of 100 ms gets more than a tenth
 * of that (at least 1). `reserve` never blocks: it takes a slot now or says how long
 * until one is free, so the outbox postpones the message instead of re-polling it.
 *
 * Implementations: in process (one instance), or in Redis with one atomic Lua script (several
 * instances share the Page's window; Redis's clock is the one clock).
 */
/**
 * The reservation `withReservation` runs its work with (one slot for every pacer: a reservation names
 * its pacer, and another pacer ignores it; an app has one pacer).
 */
const reservations = new AsyncContextSlot<{ pacer: PagePacer; pageId: string; spent: boolean; at: number }>();

export abstract class PagePacer {
  private readonly pageByToken = new Map<string, string>();

  /** `elapsed`: a monotonic clock in ms, for how old a reservation is when its call starts. */
  constructor(
    readonly ratePerSecond: number,
    private readonly elapsed: () => number = () => performance.now(),
  ) {}

  /** Calls allowed in any 100 ms: a tenth of the rate, at least one. */
  get burst(): number {
    return Math.max(1, Math.floor(this.ratePerSecond / 10));
  }

  /** Takes a slot for `pageId` if one is free now (→ 0); otherwise the ms until one is (nothing taken). */
  abstract reserve(pageId: string): Promise<number>;

  /** Waits until a slot is free and takes it. */
  async acquire(pageId: string): Promise<void> {
    for (;;) {
      const wait = await this.reserve(pageId);
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /**
   * Runs `work` whose first Graph call for `pageId` uses a slot the caller already reserved (the
   * outbox reserves before it sends): that call is not counted twice, if it starts within
   * RESERVATION_FRESH_MS. Later calls are paced as usual.
   */
  withReservation<T>(pageId: string, work: () => Promise<T>): Promise<T> {
    return reservations.run({ pacer: this, pageId, spent: false, at: this.elapsed() }, work);
  }

  /** Paces one Graph call made with `accessToken` (GraphApiGateway calls this before every call). */
  async beforeCall(accessToken: string): Promise<void> {
    const pageId = this.pageByToken.get(accessToken);
    if (pageId === undefined) return; // not a known Page token (e.g. an app token): Meta paces those differently
    const reservation = reservations.get();
    if (reservation && reservation.pacer === this && !reservation.spent && reservation.pageId === pageId) {
      reservation.spent = true;
      if (this.elapsed() - reservation.at <= RESERVATION_FRESH_MS) return;
    }
    await this.acquire(pageId);
  }

  /** Tells the pacer which Page a token belongs to (PageDirectory does, whenever it hands one out). */
  notePageToken(accessToken: string, pageId: string): void {
    if (this.pageByToken.get(accessToken) !== pageId) this.pageByToken.set(accessToken, pageId);
  }

  async close(): Promise<void> {}
}

/** One instance: the windows live in this process. */
export class InProcessPagePacer extends PagePacer {
  private readonly windows = new Map<string, number[]>();

  constructor(
    ratePerSecond: number,
    private readonly clock: () => number = Date.now,
  ) {
    super(ratePerSecond, clock);
  }

  reserve(pageId: string): Promise<number> {
    return Promise.resolve(this.reserveNow(pageId));
  }

  /** Synchronous form of `reserve` (same rule; for callers in one process). */
  reserveNow(pageId: string): number {
    const now = this.clock();
    const times = (this.windows.get(pageId) ?? []).filter((t) => t > now - WINDOW_MS);
    this.windows.set(pageId, times);
    const wait = waitFor(times, now, this.ratePerSecond, this.burst);
    if (wait === 0) times.push(now);
    return wait;
  }
}

/**
 * The rule shared by both implementations (the Lua script is the same logic): `times` are the
 * granted calls of the last second, oldest first. Returns 0 if one more is allowed now, else the ms
 * until it is.
 */
export function waitFor(times: readonly number[], now: number, rate: number, burst: number): number {
  let wait = 0;
  if (times.length >= rate) wait = Math.max(wait, times[times.length - rate] + WINDOW_MS - now);
  const recent = times.filter((t) => t > now - 100);
  if (recent.length >= burst) wait = Math.max(wait, recent[recent.length - burst] + 100 - now);
  return wait > 0 ? Math.max(1, Math.ceil(wait)) : 0;
}

/**
 * KEYS[1] = the Page's window (a sorted set of granted call times, µs); ARGV = rate, burst, a unique
 * member, the window (µs). Uses Redis's clock so every instance agrees on "now". Returns {wait ms, granted-at µs}.
 */
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
local wait = 0
local n = redis.call('ZCARD', KEYS[1])
if n >= rate then
  local oldest = redis.call('ZRANGE', KEYS[1], n - rate, n - rate, 'WITHSCORES')
  wait = math.max(wait, tonumber(oldest[2]) + window - now)
end
local recent = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.0f', now - 100000), '+inf')
if recent >= burst then
  local edge = redis.call('ZRANGE', KEYS[1], n - burst, n - burst, 'WITHSCORES')
  wait = math.max(wait, tonumber(edge[2]) + 100000 - now)
end
if wait > 0 then
  return {math.max(1, math.ceil(wait / 1000)), '0'}
end
redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
return {0, string.format('%.0f', now)}
`;

/** Several instances: each Page's window is a sorted set in Redis, checked and updated atomically. */
export class RedisPagePacer extends PagePacer {
  private seq = 0;
  private readonly instance = Math.random().toString(36).slice(2, 10);

  constructor(
    private readonly redis: Redis,
    ratePerSecond: number,
    private readonly keyPrefix = 'ccm-pace:',
  ) {
    super(ratePerSecond);
    this.fallback = new InProcessPagePacer(ratePerSecond);
    redis.defineCommand('ccmPaceReserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
  }

  /** Used while Redis is unreachable, so sends go on (paced per instance) instead of failing. */
  private readonly fallback: InProcessPagePacer;
  private warnedAt = 0;

  async reserve(pageId: string): Promise<number> {
    try {
      return await this.reserveShared(pageId);
    } catch (error) {
      if (Date.now() - this.warnedAt > 10_000) {
        this.warnedAt = Date.now();
        this.onFallback?.(error);
      }
      return this.fallback.reserveNow(pageId);
    }
  }

  /** Observes each slot granted by Redis, with Redis's time of the grant in ms (tests check the windows). */
  onGrant?: (pageId: string, atMs: number) => void;

  /** Called (at most every 10 s) when Redis failed and pacing fell back to this instance alone. */
  onFallback?: (error: unknown) => void;

  private async reserveShared(pageId: string): Promise<number> {
    const command = (
      this.redis as unknown as {
        ccmPaceReserve(key: string, rate: number, burst: number, member: string, windowUs: number): Promise<[number, string]>;
      }
    ).ccmPaceReserve;
    const [wait, grantedAt] = await command.call(
      this.redis,
      `${this.keyPrefix}${pageId}`,
      this.ratePerSecond,
      this.burst,
      `${this.instance}:${++this.seq}`,
      WINDOW_MS * 1000,
    );
    if (Number(wait) === 0) this.onGrant?.(pageId, Number(grantedAt) / 1000);
    return Number(wait);
  }

  override async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
