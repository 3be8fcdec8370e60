import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { InProcessPagePacer, PACING_TRANSIT_MARGIN_MS, RedisPagePacer } from './page-pacer';

const REDIS_URL = process.env.CCM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The most grants inside any window of `windowMs` (at any offset), from sorted grant times. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('InProcessPagePacer', () => {
  it('never grants more than the rate in any one-second window, nor a tenth of it in any 100 ms', () => {
    let now = 0;
    const pacer = new InProcessPagePacer(50, () => now);
    const granted: number[] = [];
    // Callers asking every millisecond for 5 s, more than the rate could ever serve.
    for (now = 0; now < 5000; now += 1) for (let k = 0; k < 3; k++) if (pacer.reserveNow('page') === 0) granted.push(now);
    expect(busiestWindow(granted, 1000)).toBeLessThanOrEqual(50);
    expect(busiestWindow(granted, 100)).toBeLessThanOrEqual(5);
    // With room for the calls' transit: granted ones arriving a little unevenly still fit one second.
    expect(busiestWindow(granted, 1000 + PACING_TRANSIT_MARGIN_MS)).toBeLessThanOrEqual(50);
    // …and still serves the full rate, less that margin (not a fixed window that halves it).
    expect(granted.length).toBeGreaterThanOrEqual(Math.floor((5000 / (1000 + PACING_TRANSIT_MARGIN_MS)) * 50));
  });

  it('says how long to wait instead of blocking, and keeps Pages apart', () => {
    let now = 0;
    const pacer = new InProcessPagePacer(10, () => now);
    expect(pacer.reserveNow('a')).toBe(0);
    const wait = pacer.reserveNow('a');
    expect(wait).toBeGreaterThan(0);
    expect(pacer.reserveNow('b')).toBe(0);
    now += wait;
    expect(pacer.reserveNow('a')).toBe(0);
  });

  it('counts a reserved call once: the first Graph call inside withReservation uses the reservation', async () => {
    const pacer = new InProcessPagePacer(20, () => 0); // 2 calls per 100 ms
    pacer.notePageToken('token-a', 'a');
    expect(await pacer.reserve('a')).toBe(0); // the outbox reserves…
    await pacer.withReservation('a', async () => {
      await pacer.beforeCall('token-a'); // …and the send itself does not take a second slot
    });
    expect(pacer.reserveNow('a')).toBe(0); // so the second slot is still free
    expect(pacer.reserveNow('a')).toBeGreaterThan(0);
  });

  it('takes a fresh slot for a reserved call that starts late, so calls granted apart cannot reach Meta bunched', async () => {
    let now = 0;
    const pacer = new InProcessPagePacer(10, () => now); // 1 call per 100 ms
    pacer.notePageToken('token-a', 'a');
    expect(await pacer.reserve('a')).toBe(0); // granted at 0…
    await pacer.withReservation('a', async () => {
      now = 200; // …but the send only starts 200 ms later (a busy event loop, a wait for a connection)
      await pacer.beforeCall('token-a');
    });
    // The call took a slot at 200 (the one granted at 0 stays counted): the next 100 ms are used up.
    expect(pacer.reserveNow('a')).toBeGreaterThan(0);
  });

  it('lets only the pacer that made a reservation use it, and each reservation pay for one call however the work forks', async () => {
    const a = new InProcessPagePacer(100, () => 0); // 10 calls per 100 ms
    const b = new InProcessPagePacer(100, () => 0);
    for (const pacer of [a, b]) pacer.notePageToken('token-a', 'a');
    expect(await a.reserve('a')).toBe(0);
    await a.withReservation('a', async () => {
      await b.beforeCall('token-a'); // another pacer (another Graph client): its own slot
      // Two calls at once and one from a timer started inside: the reservation covers one of them.
      await Promise.all([
        a.beforeCall('token-a'),
        a.beforeCall('token-a'),
        new Promise((resolve) => setTimeout(() => resolve(a.beforeCall('token-a')), 0)),
      ]);
    });
    let freeA = 0;
    while (a.reserveNow('a') === 0) freeA++;
    let freeB = 0;
    while (b.reserveNow('a') === 0) freeB++;
    expect([freeA, freeB]).toEqual([10 - 1 - 2, 10 - 1]);
  });

  it('paces calls made outside a reservation (sender actions, profile reads) against the same Page', async () => {
    const pacer = new InProcessPagePacer(20, () => 0);
    pacer.notePageToken('token-a', 'a');
    await pacer.beforeCall('token-a');
    await pacer.beforeCall('token-a');
    expect(pacer.reserveNow('a')).toBeGreaterThan(0);
  });
});

describe('RedisPagePacer (shared by two instances)', () => {
  const clients: Redis[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('keeps the Page under its rate in every one-second window, summed over both instances', async () => {
    const prefix = `ccm-test:pace:${randomBytes(4).toString('hex')}:`;
    const rate = 20;
    const grants: number[] = [];
    const instances = [0, 1].map(() => {
      const redis = new Redis(REDIS_URL);
      clients.push(redis);
      const pacer = new RedisPagePacer(redis, rate, prefix);
      pacer.onGrant = (_page, at) => grants.push(at);
      return pacer;
    });
    const until = Date.now() + 2500;
    // Four eager senders per instance, each sending as soon as the pacer lets it.
    await Promise.all(
      instances.flatMap((pacer) =>
        Array.from({ length: 4 }, async () => {
          while (Date.now() < until) await pacer.acquire('page-1');
        }),
      ),
    );
    expect(busiestWindow(grants, 1000)).toBeLessThanOrEqual(rate);
    expect(busiestWindow(grants, 1000 + PACING_TRANSIT_MARGIN_MS)).toBeLessThanOrEqual(rate);
    expect(busiestWindow(grants, 100)).toBeLessThanOrEqual(rate / 10);
    // Both instances were served from the one window: more than one instance's worth got through.
    expect(grants.length).toBeGreaterThan(rate);
  }, 20_000);
});
