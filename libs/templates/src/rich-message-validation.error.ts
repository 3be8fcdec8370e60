/** Why a rule failed; stable identifiers callers may switch on. */
export type RichMessageRule =
  | 'required'
  | 'type'
  | 'encoding'
  | 'notEmpty'
  | 'maxLength'
  | 'minItems'
  | 'maxItems'
  | 'enum'
  | 'url'
  | 'httpsUrl'
  | 'facebookUrl'
  | 'fallbackUrl'
  | 'phoneNumber'
  | 'cardContent'
  | 'mediaSource'
  | 'mediaButtons'
  | 'reusable'
  | 'unsupported'
  | 'shape';

/**
 * One broken rule.
 *
 * `path` is rooted at the message's own fields (`text`, `buttons[0].payload`, `cards[3].subtitle`,
 * `quickReplies[13]`); for "too many items" it names the first item over the limit. `message` is
 * `<locator>: <what is wrong>`, where the locator is the path qualified with the message kind
 * unless the path already starts with it: `carousel.cards[10]: at most 10 cards`,
 * `buttons[1].title: 24 characters, limit 20`.
 */
export interface RichMessageViolation {
  path: string;
  /** The offending value (for item-count rules: the number of items). */
  value: unknown;
  rule: RichMessageRule;
  message: string;
}

/** Thrown by `assertValidRichMessage`, `parseRichMessage` and strict `prepareRichMessage`. */
export class RichMessageValidationError extends Error {
  readonly code = 'RICH_MESSAGE_INVALID' as const;
  readonly violations: readonly RichMessageViolation[];

  constructor(violations: readonly RichMessageViolation[]) {
    const count = violations.length;
    super(
      `Invalid rich message (${count} ${count === 1 ? 'violation' : 'violations'}):\n${violations.map((v) => `- ${v.message}`).join('\n')}`,
    );
    this.name = RichMessageValidationError.name;
    this.violations = violations;
  }
}
