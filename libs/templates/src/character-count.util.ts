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
 * Counts characters the way Meta's own SDKs apply its limits: in UTF-16 code units (JavaScript's
 * `length`). `'👍🏽'` counts 4, `'é'` written as `e` + U+0301 counts 2, `'中'` counts 1. This is the
 * conservative choice (a text within it is within any other plausible count), and all limits in
 * this library are expressed in it. Cuts still never split a grapheme cluster.
 */
export function countCharacters(value: string): number {
  return value.length;
}

/** True when the string has no lone UTF-16 surrogate, i.e. it can be encoded as UTF-8. */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/**
 * Shortens `value` to at most `max` characters (UTF-16 units), ending with `…` when something was
 * cut. Never splits a grapheme cluster.
 */
export function truncateCharacters(value: string, max: number): string {
  if (value.length <= max) return value;
  if (max <= 1) return ELLIPSIS.slice(0, Math.max(max, 0));
  let kept = '';
  for (const grapheme of splitGraphemes(value)) {
    if (kept.length + grapheme.length > max - ELLIPSIS.length) break;
    kept += grapheme;
  }
  return kept.trimEnd() + ELLIPSIS;
}

/**
 * Splits `value` into chunks of at most `max` characters (UTF-16 units), preferring line breaks,
 * then sentence ends, then spaces, in the second half of each chunk; hard-cuts (grapheme-safe) when a
 * chunk has no break. A value that fits is returned untouched; otherwise chunks are trimmed and never
 * empty. A blank input gives `[]`.
 */
export function splitText(value: string, max: number): string[] {
  if (max < 1) throw new RangeError('max must be at least 1');
  if (value.trim() === '') return [];
  if (value.length <= max) return [value];
  const graphemes = splitGraphemes(value);
  // offsets[i] = UTF-16 offset where grapheme i starts.
  const offsets: number[] = [0];
  for (const g of graphemes) offsets.push(offsets[offsets.length - 1] + g.length);
  const chunks: string[] = [];
  let start = 0;
  while (start < graphemes.length) {
    while (start < graphemes.length && WHITESPACE.test(graphemes[start])) start++;
    if (start >= graphemes.length) break;
    if (offsets[graphemes.length] - offsets[start] <= max) {
      chunks.push(graphemes.slice(start).join('').trimEnd());
      break;
    }
    // The furthest grapheme boundary within `max` units (at least one grapheme, even an oversized one).
    let end = start + 1;
    while (end < graphemes.length && offsets[end + 1] - offsets[start] <= max) end++;
    let floor = start;
    while (floor < end && offsets[floor] - offsets[start] < max / 2) floor++;
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
