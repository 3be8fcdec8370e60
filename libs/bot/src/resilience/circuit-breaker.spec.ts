import { CircuitBreaker } from './circuit-breaker';

function breaker(failureThreshold = 3, cooldownMs = 1000) {
  const clock = { t: 1_000_000 };
  const b = new CircuitBreaker({ failureThreshold, cooldownMs, now: () => clock.t });
  return { b, clock };
}

function fail(b: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) {
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
  }
}

describe('CircuitBreaker', () => {
  it('should start closed and let calls through', () => {
    const { b } = breaker();
    expect(b.state).toBe('CLOSED');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
  });

  it('should stay closed below the threshold of consecutive failures', () => {
    const { b } = breaker(3);
    fail(b, 2);
    expect(b.state).toBe('CLOSED');
    expect(b.failures).toBe(2);
  });

  it('should reset the count on a success, so only consecutive failures open it', () => {
    const { b } = breaker(3);
    fail(b, 2);
    b.onSuccess();
    fail(b, 2);
    expect(b.state).toBe('CLOSED');
  });

  it('should open after N consecutive failures and refuse calls during the cool-down', () => {
    const { b, clock } = breaker(3, 1000);
    fail(b, 3);
    expect(b.state).toBe('OPEN');
    expect(b.retryAt).toBe(clock.t + 1000);
    expect(b.tryAcquire()).toBe(false);
    clock.t += 999;
    expect(b.tryAcquire()).toBe(false);
    expect(b.state).toBe('OPEN');
  });

  it('should become half-open after the cool-down and allow exactly one trial', () => {
    const { b, clock } = breaker(1, 1000);
    fail(b, 1);
    clock.t += 1000;
    expect(b.state).toBe('HALF_OPEN');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // the trial is still running
  });

  it('should close when the half-open trial succeeds', () => {
    const { b, clock } = breaker(2, 1000);
    fail(b, 2);
    clock.t += 1500;
    expect(b.tryAcquire()).toBe(true);
    b.onSuccess();
    expect(b.state).toBe('CLOSED');
    expect(b.failures).toBe(0);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
  });

  it('should open again for a full cool-down when the half-open trial fails', () => {
    const { b, clock } = breaker(2, 1000);
    fail(b, 2);
    clock.t += 1000;
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state).toBe('OPEN');
    expect(b.tryAcquire()).toBe(false);
    clock.t += 999;
    expect(b.tryAcquire()).toBe(false);
    clock.t += 1;
    expect(b.tryAcquire()).toBe(true);
  });

  it('should reject invalid settings', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, cooldownMs: 1 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ failureThreshold: 1, cooldownMs: -1 })).toThrow(/cooldownMs/);
  });
});
