import { parseBusinessHours } from '@app/config';
import { isWithinBusinessHours } from './business-hours';

describe('isWithinBusinessHours', () => {
  const hours = parseBusinessHours('Mon-Fri 09:00-18:00 Europe/Berlin');

  it('should parse the spec into days, minutes and zone', () => {
    expect(hours).toEqual({ days: [1, 2, 3, 4, 5], from: 540, to: 1080, timeZone: 'Europe/Berlin' });
    expect(parseBusinessHours('Fri-Mon 22:00-24:00')).toEqual({ days: [5, 6, 0, 1], from: 1320, to: 1440, timeZone: 'UTC' });
  });

  it('should be open on a weekday inside the hours in that zone, and closed outside', () => {
    expect(isWithinBusinessHours(hours, new Date('2026-11-30T08:30:00Z'))).toBe(true); // Monday 09:30 in Berlin
    expect(isWithinBusinessHours(hours, new Date('2026-11-30T07:30:00Z'))).toBe(false); // Monday 08:30 in Berlin
    expect(isWithinBusinessHours(hours, new Date('2026-11-30T17:00:00Z'))).toBe(false); // Monday 18:00 in Berlin
    expect(isWithinBusinessHours(hours, new Date('2026-11-29T10:00:00Z'))).toBe(false); // Sunday
  });

  it('should always be open without business hours', () => {
    expect(isWithinBusinessHours(undefined, new Date())).toBe(true);
  });
});
