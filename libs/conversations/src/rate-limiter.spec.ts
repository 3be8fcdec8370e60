import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('should allow a burst of a tenth of a second and then pace takes at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(100, () => now);
    for (let i = 0; i < 10; i++) expect(limiter.take('page')).toBe(0);
    expect(limiter.take('page')).toBe(10);
    now += 10;
    expect(limiter.take('page')).toBe(0);
    expect(limiter.take('page')).toBeGreaterThan(0);
  });

  it('should never let more than 1.1 × the rate through in any one-second window', () => {
    let now = 0;
    const limiter = new RateLimiter(50, () => now);
    const granted: number[] = [];
    for (; now < 3000; now += 1) while (limiter.take('page') === 0) granted.push(now);
    for (let start = 0; start < 2000; start += 50) {
      expect(granted.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(55);
    }
    expect(granted.length).toBeGreaterThanOrEqual(145); // and it does let the rate through
  });

  it('should keep separate buckets per key', () => {
    const limiter = new RateLimiter(1, () => 0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
    expect(limiter.take('a')).toBe(1000);
  });
});
