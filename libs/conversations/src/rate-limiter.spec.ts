import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('should allow a burst of one second and then pace takes at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now);
    for (let i = 0; i < 10; i++) expect(limiter.take('page')).toBe(0);
    expect(limiter.take('page')).toBe(100);
    now += 100;
    expect(limiter.take('page')).toBe(0);
    expect(limiter.take('page')).toBeGreaterThan(0);
  });

  it('should keep separate buckets per key', () => {
    const limiter = new RateLimiter(1, () => 0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
    expect(limiter.take('a')).toBe(1000);
  });
});
