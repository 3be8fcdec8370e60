import { countCharacters, splitText, truncateCharacters } from './character-count.util';

describe(countCharacters.name, () => {
  it.each([
    ['', 0],
    ['hello', 5],
    ['👍🏽', 4],
    ['e\u0301', 2],
    ['👨‍👩‍👧', 8],
    ['🇫🇷🇩🇪', 8],
    ['a\r\nb', 4],
    ['中文', 2],
  ])("should count %j as %i UTF-16 code units (the unit of Meta's own SDKs)", (value, expected) => {
    expect(countCharacters(value)).toBe(expected);
  });
});

describe(truncateCharacters.name, () => {
  it('should keep a string that fits', () => {
    expect(truncateCharacters('Track order', 20)).toBe('Track order');
  });

  it('should cut to the limit including the ellipsis', () => {
    const cut = truncateCharacters('Abcdefghijklmnopqrstuvwxyz', 20);
    expect(cut).toBe('Abcdefghijklmnopqrs…');
    expect(countCharacters(cut)).toBe(20);
  });

  it('should never split a grapheme cluster', () => {
    // Each family emoji is 8 units: two fit in 17 with the ellipsis, a third would not.
    expect(truncateCharacters('👨‍👩‍👧'.repeat(5), 17)).toBe('👨‍👩‍👧👨‍👩‍👧…');
    expect(truncateCharacters('👨‍👩‍👧'.repeat(5), 16)).toBe('👨‍👩‍👧…');
  });

  it('should count the limit in UTF-16 units, not in user-perceived characters', () => {
    const cut = truncateCharacters('👍🏽'.repeat(10), 20);
    expect(cut).toBe(`${'👍🏽'.repeat(4)}…`);
    expect(cut.length).toBeLessThanOrEqual(20);
  });

  it('should not leave a space before the ellipsis', () => {
    expect(truncateCharacters('Track my order please', 10)).toBe('Track my…');
  });
});

describe(splitText.name, () => {
  it('should return a fitting text untouched', () => {
    expect(splitText(' Hi ', 10)).toEqual([' Hi ']);
  });

  it('should return nothing for a blank text', () => {
    expect(splitText('  \n', 10)).toEqual([]);
  });

  it('should prefer line breaks, then spaces', () => {
    expect(splitText('one two three\nfour five six', 20)).toEqual(['one two three', 'four five six']);
    expect(splitText('one two three four five', 14)).toEqual(['one two three', 'four five']);
  });

  it('should hard-cut a text without breaks, grapheme-safe', () => {
    const chunks = splitText('👍🏽'.repeat(5), 8);
    expect(chunks).toEqual(['👍🏽👍🏽', '👍🏽👍🏽', '👍🏽']);
    expect(splitText('👍🏽'.repeat(3), 5)).toEqual(['👍🏽', '👍🏽', '👍🏽']);
  });

  it('should produce chunks within the limit that keep every word', () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const chunks = splitText(text, 100);
    expect(chunks.every((c) => countCharacters(c) <= 100)).toBe(true);
    expect(chunks.join(' ')).toBe(text);
  });
});

describe('splitText at sentence boundaries', () => {
  it('should prefer the end of a sentence over the last space', () => {
    const text = 'First sentence is here. Second one is longer than the limit allows';
    expect(splitText(text, 40)).toEqual(['First sentence is here.', 'Second one is longer than the limit', 'allows']);
  });
});
