import { CheckDurations } from './check-durations';

describe('CheckDurations', () => {
  it('should have nothing to offer before the first real check', () => {
    expect(new CheckDurations().sample()).toBeUndefined();
  });

  it('should sample only among the most recent durations, spread as they were', () => {
    const durations = new CheckDurations(3);
    for (const ms of [900, 40, 50, 60]) durations.record(ms); // 900 is pushed out by the fourth
    const samples = Array.from({ length: 30 }, (_, i) => durations.sample(() => i / 30));
    expect([...new Set(samples)].sort()).toEqual([40, 50, 60]);
  });

  it('should ignore nonsense measurements', () => {
    const durations = new CheckDurations();
    durations.record(Number.NaN);
    durations.record(-1);
    expect(durations.sample()).toBeUndefined();
  });
});
