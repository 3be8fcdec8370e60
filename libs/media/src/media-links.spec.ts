import { loadCcmConfig } from '@app/config';
import { MediaLinks } from './media-links';

const BASE = 'https://ccm.example.test';
const KEY = '0123456789abcdef0123456789abcdef01234567';

function links(publicBaseUrl?: string): MediaLinks {
  return new MediaLinks(
    loadCcmConfig({
      FACEBOOK_APP_SECRET: 'secret-for-tests',
      FACEBOOK_VERIFY_TOKEN: 'verify',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'token',
      ...(publicBaseUrl ? { MEDIA_PUBLIC_BASE_URL: publicBaseUrl } : {}),
    }),
  );
}
const serialised = (message: object) => JSON.stringify(message);

describe('MediaLinks.keysIn (the files of ccm a message sends, so retention keeps them and a pruned one is refused)', () => {
  it("should take the key of a media message's url: a ccm media path, or a public link under MEDIA_PUBLIC_BASE_URL", () => {
    expect(links().keysIn(serialised({ kind: 'media', mediaType: 'file', url: `/media/${KEY}/manual.pdf` }))).toEqual([KEY]);
    expect(links(BASE).keysIn(serialised({ kind: 'media', mediaType: 'image', url: `${BASE}/media/${KEY}` }))).toEqual([KEY]);
    expect(links(BASE).keysIn(serialised({ kind: 'media', mediaType: 'file', url: `${BASE}/media/${KEY}/a%20b.pdf` }))).toEqual([KEY]);
    expect(links(BASE).keysIn(serialised({ kind: 'media', mediaType: 'image', url: `https://elsewhere.example/media/${KEY}` }))).toEqual(
      [],
    );
  });

  it("should take the keys of a carousel's card pictures that are public links to ccm's files (Meta fetches them)", () => {
    const other = 'fedcba9876543210fedcba9876543210fedcba98';
    const carousel = {
      kind: 'carousel',
      cards: [
        { title: 'a', imageUrl: `${BASE}/media/${KEY}/shoe.png` },
        { title: 'b', imageUrl: `${BASE}/media/${other}` },
        { title: 'c', imageUrl: `${BASE}/media/${KEY}/shoe.png` },
        { title: 'd', imageUrl: 'https://cdn.example/picture.png' },
        { title: 'e' },
      ],
    };
    expect(links(BASE).keysIn(serialised(carousel))).toEqual([KEY, other]);
    // Without a public base no card picture can be ccm's (a card's picture must be a URL Meta fetches).
    expect(links().keysIn(serialised(carousel))).toEqual([]);
  });

  it('should not take a path or link quoted in a text: it is words, not a file the message sends', () => {
    // Before: any JSON string starting with /media/<hex> counted, so the desk refused this plain text.
    expect(links().keysIn(serialised({ kind: 'text', text: `see "/media/${KEY}" for the file` }))).toEqual([]);
    expect(links().keysIn(serialised({ kind: 'text', text: `/media/${KEY}` }))).toEqual([]);
    expect(links(BASE).keysIn(serialised({ kind: 'text', text: `here: ${BASE}/media/${KEY}` }))).toEqual([]);
    expect(
      links().keysIn(
        serialised({ kind: 'buttons', text: `/media/${KEY}`, buttons: [{ type: 'postback', title: 'x', payload: `/media/${KEY}` }] }),
      ),
    ).toEqual([]);
    expect(links().keysIn('not json')).toEqual([]);
  });
});
