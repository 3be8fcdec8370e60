import { pictureExpiry } from './picture-expiry';

describe('pictureExpiry', () => {
  it('should read the expiry Meta puts in a profile picture URL', () => {
    expect(pictureExpiry('https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1&ext=1800000000&hash=x')).toBe(1_800_000_000_000);
  });

  it('should name no expiry for a URL without one, a broken URL or no picture', () => {
    expect(pictureExpiry('https://x/y.jpg')).toBeUndefined();
    expect(pictureExpiry('not a url')).toBeUndefined();
    expect(pictureExpiry(undefined)).toBeUndefined();
  });
});
