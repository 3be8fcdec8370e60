import { ELLIPSIS } from './rich-message.constant';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Printable ASCII only: one UTF-16 unit per grapheme, so `length` is already the answer. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WHITESPACE = /^\s+$/;

/** Splits a string into user-perceived characters (extended grapheme clusters). */
export function splitGraphemes(value: string): string[] {
  if (PRINTABLE_ASCII.test(value)) return value.split('');
  return Array.from(segmenter.segment(value), (s) => s.segment);
}

/**
 * Counts user-perceived characters (grapheme clusters): `'👍🏽'`, `'é'` written as `e` + U+0301 and
 * `'👨‍👩‍👧'` each count as 1. All limits in this library are expressed in this unit.
 */
export function countCharacters(value: string): number {
  if (PRINTABLE_ASCII.test(value)) return value.length;
  let count = 0;
  for (const _ of segmenter.segment(value)) count++;
  return count;
}

/** True when the string has no lone UTF-16 surrogate, i.e. it can be encoded as UTF-8. */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/**
 * Shortens `value` to at most `max` characters, ending with `…` when something was cut.
 * Never splits a grapheme cluster.
 */
export function truncateCharacters(value: string, max: number): string {
  const graphemes = splitGraphemes(value);
  if (graphemes.length <= max) return value;
  if (max <= 1) return ELLIPSIS.slice(0, Math.max(max, 0));
  return (
    graphemes
      .slice(0, max - 1)
      .join('')
      .trimEnd() + ELLIPSIS
  );
}

/**
 * Splits `value` into chunks of at most `max` characters, preferring line breaks, then spaces,
 * in the second half of each chunk; hard-cuts (grapheme-safe) when a chunk has no break.
 * A value that fits is returned untouched; otherwise chunks are trimmed and never empty.
 * A blank input gives `[]`.
 */
export function splitText(value: string, max: number): string[] {
  if (max < 1) throw new RangeError('max must be at least 1');
  if (value.trim() === '') return [];
  const graphemes = splitGraphemes(value);
  if (graphemes.length <= max) return [value];
  const chunks: string[] = [];
  let start = 0;
  while (start < graphemes.length) {
    while (start < graphemes.length && WHITESPACE.test(graphemes[start])) start++;
    if (start >= graphemes.length) break;
    if (graphemes.length - start <= max) {
      chunks.push(graphemes.slice(start).join('').trimEnd());
      break;
    }
    const end = start + max;
    const floor = start + Math.floor(max / 2);
    // Prefer a paragraph break, then the end of a sentence, then any space; cut mid-word only if forced.
    let cut = lastIndexMatching(graphemes, end, floor, (g) => g.includes('\n'));
    if (cut === -1) cut = lastIndexMatching(graphemes, end, floor, (g, i) => WHITESPACE.test(g) && /[.!?…]$/.test(graphemes[i - 1] ?? ''));
    if (cut === -1) cut = lastIndexMatching(graphemes, end, floor, (g) => WHITESPACE.test(g));
    if (cut === -1) cut = end;
    chunks.push(graphemes.slice(start, cut).join('').trimEnd());
    start = cut;
  }
  return chunks;
}

function lastIndexMatching(items: string[], from: number, above: number, test: (item: string, index: number) => boolean): number {
  for (let i = from; i > above; i--) {
    if (test(items[i], i) && WHITESPACE.test(items[i])) return i;
  }
  return -1;
}
