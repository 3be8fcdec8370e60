import { backoffDelay } from './backoff';

describe(backoffDelay.name, () => {
  const options = { baseMs: 100, capMs: 500, maxAttempts: 6 };

  it('should double the ceiling per attempt up to the cap, with the delay in [ceiling/2, ceiling]', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, () => 1))).toEqual([100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, () => 0))).toEqual([50, 100, 200, 250, 250]);
  });

  it('should give up (undefined) once the attempts are used up', () => {
    expect(backoffDelay(5, options, () => 0.5)).toBe(375); // the last retry: ceiling 500, half of it plus half the jitter
    expect(backoffDelay(6, options, () => 0.5)).toBeUndefined();
  });
});
