import { profileIsStale } from './profile-refresh.hook';

const now = Date.parse('2026-11-30T12:00:00Z');
const profile = (pictureUrl: string) => JSON.stringify({ firstName: 'Ada', pictureUrl });

describe('profileIsStale', () => {
  it('should fetch a profile that was never fetched', () => {
    expect(profileIsStale({ customer_profile: null, profile_fetched_at: null }, now)).toBe(true);
  });

  it('should keep a fresh profile whose picture URL has not expired', () => {
    const url = `https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1&ext=${now / 1000 + 3600}&hash=x`;
    expect(profileIsStale({ customer_profile: profile(url), profile_fetched_at: now - 60_000 }, now)).toBe(false);
  });

  it('should fetch again when the picture URL expired, or after a day', () => {
    const expired = `https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1&ext=${now / 1000 - 1}&hash=x`;
    expect(profileIsStale({ customer_profile: profile(expired), profile_fetched_at: now - 60_000 }, now)).toBe(true);
    expect(profileIsStale({ customer_profile: profile('https://x/y.jpg'), profile_fetched_at: now - 25 * 3600_000 }, now)).toBe(true);
  });

  it('should fetch again when the stored profile is unreadable', () => {
    expect(profileIsStale({ customer_profile: '{not json', profile_fetched_at: now - 60_000 }, now)).toBe(true);
  });
});
