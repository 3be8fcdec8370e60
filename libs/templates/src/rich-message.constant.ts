import { RichMessageCapabilities } from './rich-message.types';

/**
 * Meta Messenger limits (fact sheet §4.1, §5.1, §14.1), as inclusive maxima in grapheme clusters
 * (see `countCharacters`).
 *
 * Where Meta writes "< N characters" (message text, metadata) the inclusive maximum is N - 1:
 * a 2000-character text is rejected, 1999 is accepted. Where Meta writes "N character limit" or
 * "≤ N" (titles, payloads, button-template text) the maximum is N.
 */
export const RICH_MESSAGE_LIMITS = {
  /** Text message: "< 2000 characters" → at most 1999. */
  textMaxChars: 1999,
  /** `metadata`: "< 1000 characters" → at most 999. */
  metadataMaxChars: 999,
  /** Button template `text`: ≤ 640. */
  buttonTextMaxChars: 640,
  /**
   * Button template: 1–3 buttons. The product brief asks for 2–3; the lib accepts Meta's 1–3 so a
   * single call-to-action is possible.
   */
  buttonsMin: 1,
  buttonsMax: 3,
  /** Any button title (postback, URL, call): ≤ 20. */
  buttonTitleMaxChars: 20,
  /** Postback and quick-reply payloads: ≤ 1000. */
  payloadMaxChars: 1000,
  /** Generic template: 1–10 elements. */
  cardsMin: 1,
  cardsMax: 10,
  cardTitleMaxChars: 80,
  cardSubtitleMaxChars: 80,
  cardButtonsMax: 3,
  /** Quick replies: 1–13 per message, text title ≤ 20. */
  quickRepliesMin: 1,
  quickRepliesMax: 13,
  quickReplyTitleMaxChars: 20,
  /** Media template: ≤ 3 buttons. */
  mediaButtonsMax: 3,
} as const;

/** A channel that shows everything Messenger can show. */
export const ALL_RICH_CAPABILITIES: Readonly<RichMessageCapabilities> = Object.freeze({
  buttons: true,
  carousel: true,
  quickReplies: true,
  media: true,
});

/** A channel that shows plain text only (SMS-like). */
export const TEXT_ONLY_CAPABILITIES: Readonly<RichMessageCapabilities> = Object.freeze({
  buttons: false,
  carousel: false,
  quickReplies: false,
  media: false,
});

/** Call button phone numbers: `+` and digits only (fact sheet §14.1.12). */
export const PHONE_NUMBER_PATTERN = /^\+[0-9]+$/;

/** The ellipsis appended to truncated titles (one grapheme). */
export const ELLIPSIS = '…';
