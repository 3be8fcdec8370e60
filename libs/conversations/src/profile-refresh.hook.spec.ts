import { profileIsStale } from './profile-refresh.hook';

const now = Date.parse('2026-11-30T12:00:00Z');
const profile = (expiresAt?: number) => JSON.stringify({ firstName: 'Ada', pictureUrl: 'https://x/y.jpg', expiresAt });

describe('profileIsStale', () => {
  it('should fetch a profile that was never fetched', () => {
    expect(profileIsStale({ customer_profile: null, profile_fetched_at: null }, now)).toBe(true);
  });

  it('should keep a fresh profile that has not expired', () => {
    expect(profileIsStale({ customer_profile: profile(now + 3600_000), profile_fetched_at: now - 60_000 }, now)).toBe(false);
    expect(profileIsStale({ customer_profile: profile(), profile_fetched_at: now - 60_000 }, now)).toBe(false);
  });

  it('should fetch again when the profile expired (e.g. its picture URL), or after a day', () => {
    expect(profileIsStale({ customer_profile: profile(now - 1000), profile_fetched_at: now - 60_000 }, now)).toBe(true);
    expect(profileIsStale({ customer_profile: profile(), profile_fetched_at: now - 25 * 3600_000 }, now)).toBe(true);
  });

  it('should fetch again when the stored profile is unreadable', () => {
    expect(profileIsStale({ customer_profile: '{not json', profile_fetched_at: now - 60_000 }, now)).toBe(true);
  });
});
