import { splitText, truncateCharacters } from './character-count.util';
import { ALL_RICH_CAPABILITIES, RICH_MESSAGE_LIMITS as L } from './rich-message.constant';
import { buttonLines, contentBlocks, countButtonChoices, quickReplyLines } from './rich-message-text.util';
import { RichMessageValidationError, RichMessageViolation } from './rich-message-validation.error';
import { formatViolationMessage, isFacebookHostedUrl, validateRichMessage } from './rich-message.validator';
import {
  ButtonsMessage,
  CarouselCard,
  CarouselMessage,
  MediaMessage,
  QuickReply,
  RichButton,
  RichMessage,
  RichMessageCapabilities,
  TextMessage,
  TextQuickReply,
} from './rich-message.types';

/** `strict`: validate and reject; `degrade`: transform what the channel cannot show. */
export type RichMessageMode = 'strict' | 'degrade';

export interface PrepareRichMessageOptions {
  mode: RichMessageMode;
  /** What the target channel can show; defaults to everything (`ALL_RICH_CAPABILITIES`). */
  capabilities?: RichMessageCapabilities;
}

/**
 * Gets a message ready for a channel.
 * - `strict`: returns `[model]` if it satisfies every limit and the channel's capabilities,
 *   otherwise throws `RichMessageValidationError` with all violations.
 * - `degrade`: returns `degradeRichMessage(model, capabilities)`.
 */
export function prepareRichMessage(model: RichMessage, options: PrepareRichMessageOptions): RichMessage[] {
  const capabilities = options.capabilities ?? ALL_RICH_CAPABILITIES;
  if (options.mode === 'degrade') return degradeRichMessage(model, capabilities);
  const violations = [...validateRichMessage(model), ...checkCapabilities(model, capabilities)];
  if (violations.length > 0) throw new RichMessageValidationError(violations);
  return [model];
}

/** Reports the parts of a message the channel cannot show (rule `unsupported`). */
export function checkCapabilities(model: RichMessage, capabilities: RichMessageCapabilities): RichMessageViolation[] {
  const violations: RichMessageViolation[] = [];
  const add = (path: string, value: unknown, feature: string): void => {
    violations.push({
      path,
      value,
      rule: 'unsupported',
      message: formatViolationMessage(model.kind, path, `${feature} not supported by the channel`),
    });
  };
  if (model.kind === 'buttons' && !capabilities.buttons) add('buttons', model.buttons, 'buttons');
  if (model.kind === 'carousel' && !capabilities.carousel) add('cards', model.cards, 'carousels');
  if (model.kind === 'media') {
    if (!capabilities.media) add('mediaType', model.mediaType, 'media');
    if (model.buttons !== undefined && !capabilities.buttons) add('buttons', model.buttons, 'buttons');
  }
  if (model.quickReplies !== undefined && !capabilities.quickReplies) add('quickReplies', model.quickReplies, 'quick replies');
  return violations;
}

/**
 * Transforms a message into one or more messages that satisfy Meta's limits and the channel's
 * capabilities. A valid, fully supported message comes back unchanged as `[model]`.
 *
 * Rules, in order of application:
 * - text over the limit → split into several messages (at line breaks/spaces); quick replies go
 *   on the last one. Button-template text over 640 → leading text messages + a template.
 * - titles/subtitles over the limit → truncated with `…` (grapheme-safe).
 * - more than 3 buttons, or no button support → text + quick replies when every button is a
 *   postback, they are ≤ 13 and the channel has quick replies (and the message has none);
 *   otherwise a numbered text list (links as `Title: https://…`, calls as `Title: +1…`).
 * - more than 10 cards → several carousels in order; a card with more than 3 buttons → repeated
 *   card, 3 buttons each; no carousel support → text blocks.
 * - media buttons that cannot form a media template (audio/file, > 3 buttons, external URL, no
 *   button support) → the plain media, then quick replies or a numbered list as above; no media
 *   support → `Image: https://…`.
 * - more than 13 quick replies, or no quick-reply support → numbered list appended to the text.
 * - `metadata` is copied to every resulting message.
 *
 * Numbers shown in text lists follow `listChoiceOptions(model)` of the original message.
 * Problems degradation cannot repair (bad URLs, payloads or phone numbers, metadata too long,
 * missing fields…) throw `RichMessageValidationError`.
 */
export function degradeRichMessage(model: RichMessage, capabilities: RichMessageCapabilities): RichMessage[] {
  const blocking = validateRichMessage(model).filter((v) => !isRepairable(v));
  if (blocking.length > 0) throw new RichMessageValidationError(blocking);

  const parts = degradeContent(model, capabilities);
  attachQuickReplies(parts, model, capabilities);
  return model.metadata === undefined ? parts : parts.map((part) => ({ ...part, metadata: model.metadata }));
}

const TRUNCATABLE_FIELDS = new Set(['title', 'subtitle', 'text']);

function isRepairable(violation: RichMessageViolation): boolean {
  switch (violation.rule) {
    case 'maxItems':
    case 'mediaButtons':
    case 'facebookUrl':
      return true;
    case 'maxLength':
      return TRUNCATABLE_FIELDS.has(violation.path.slice(violation.path.lastIndexOf('.') + 1));
    default:
      return false;
  }
}

function degradeContent(model: RichMessage, capabilities: RichMessageCapabilities): RichMessage[] {
  switch (model.kind) {
    case 'text':
      return textMessages(model.text);
    case 'buttons':
      return degradeButtons(model, capabilities);
    case 'carousel':
      return degradeCarousel(model, capabilities);
    case 'media':
      return degradeMedia(model, capabilities);
  }
}

function degradeButtons(model: ButtonsMessage, capabilities: RichMessageCapabilities): RichMessage[] {
  const buttons = model.buttons.map(fitButton);
  if (capabilities.buttons && buttons.length <= L.buttonsMax) {
    const chunks = splitText(model.text, L.buttonTextMaxChars);
    const last = chunks.pop() ?? model.text;
    return [...chunks.map(textMessage), { kind: 'buttons', text: last, buttons }];
  }
  const replies = buttonsAsQuickReplies(buttons, model, capabilities);
  if (replies !== undefined) return withQuickReplies(textMessages(model.text), replies);
  return textMessages(contentBlocks(model).lines.join('\n\n'));
}

function degradeCarousel(model: CarouselMessage, capabilities: RichMessageCapabilities): RichMessage[] {
  if (!capabilities.carousel) return textMessages(contentBlocks(model).lines.join('\n\n'));
  const cards = model.cards.flatMap(fitCard);
  const carousels: RichMessage[] = [];
  for (let i = 0; i < cards.length; i += L.cardsMax) {
    carousels.push({
      kind: 'carousel',
      cards: cards.slice(i, i + L.cardsMax),
      ...(model.imageAspectRatio !== undefined && { imageAspectRatio: model.imageAspectRatio }),
    });
  }
  return carousels;
}

function degradeMedia(model: MediaMessage, capabilities: RichMessageCapabilities): RichMessage[] {
  if (!capabilities.media) return textMessages(contentBlocks(model).lines.join('\n\n'));
  const media: MediaMessage = {
    kind: 'media',
    mediaType: model.mediaType,
    ...(model.url !== undefined && { url: model.url }),
    ...(model.attachmentId !== undefined && { attachmentId: model.attachmentId }),
    ...(model.reusable !== undefined && { reusable: model.reusable }),
  };
  if (model.buttons === undefined) return [media];
  const buttons = model.buttons.map(fitButton);
  const templatable =
    capabilities.buttons &&
    buttons.length <= L.mediaButtonsMax &&
    (model.mediaType === 'image' || model.mediaType === 'video') &&
    (model.attachmentId !== undefined || (model.url !== undefined && isFacebookHostedUrl(model.url)));
  if (templatable) return [{ ...media, buttons }];
  const replies = buttonsAsQuickReplies(buttons, model, capabilities);
  if (replies !== undefined) return [{ ...media, quickReplies: replies }];
  return [media, ...textMessages(buttonLines(model.buttons, 1).lines.join('\n'))];
}

/** Quick replies standing in for buttons, when every button is a postback and they fit. */
function buttonsAsQuickReplies(
  buttons: RichButton[],
  model: RichMessage,
  capabilities: RichMessageCapabilities,
): TextQuickReply[] | undefined {
  if (!capabilities.quickReplies || model.quickReplies !== undefined || buttons.length > L.quickRepliesMax) return undefined;
  const replies: TextQuickReply[] = [];
  for (const button of buttons) {
    if (button.type !== 'postback') return undefined;
    replies.push({ type: 'text', title: button.title, payload: button.payload });
  }
  return replies;
}

function attachQuickReplies(parts: RichMessage[], model: RichMessage, capabilities: RichMessageCapabilities): void {
  const replies = model.quickReplies;
  if (replies === undefined) return;
  if (capabilities.quickReplies && replies.length <= L.quickRepliesMax) {
    const last = parts.length - 1;
    parts[last] = { ...parts[last], quickReplies: replies.map(fitQuickReply) };
    return;
  }
  const list = quickReplyLines(replies, countButtonChoices(model) + 1).lines.join('\n');
  const last = parts[parts.length - 1];
  if (last?.kind === 'text' && last.quickReplies === undefined) {
    parts.splice(parts.length - 1, 1, ...textMessages(`${last.text}\n\n${list}`));
  } else {
    parts.push(...textMessages(list));
  }
}

function withQuickReplies(parts: TextMessage[], replies: QuickReply[]): RichMessage[] {
  const last = parts.length - 1;
  return parts.map((part, i) => (i === last ? { ...part, quickReplies: replies } : part));
}

function textMessages(text: string): TextMessage[] {
  return splitText(text, L.textMaxChars).map(textMessage);
}

function textMessage(text: string): TextMessage {
  return { kind: 'text', text };
}

function fitButton(button: RichButton): RichButton {
  return { ...button, title: truncateCharacters(button.title, L.buttonTitleMaxChars) };
}

function fitQuickReply(reply: QuickReply): QuickReply {
  return reply.type === 'text' ? { ...reply, title: truncateCharacters(reply.title, L.quickReplyTitleMaxChars) } : reply;
}

/** Truncates the card's texts; a card with more than 3 buttons becomes several cards. */
function fitCard(card: CarouselCard): CarouselCard[] {
  const fitted: CarouselCard = {
    ...card,
    title: truncateCharacters(card.title, L.cardTitleMaxChars),
    ...(card.subtitle !== undefined && { subtitle: truncateCharacters(card.subtitle, L.cardSubtitleMaxChars) }),
  };
  if (card.buttons === undefined) return [fitted];
  const buttons = card.buttons.map(fitButton);
  const cards: CarouselCard[] = [];
  for (let i = 0; i < buttons.length; i += L.cardButtonsMax) cards.push({ ...fitted, buttons: buttons.slice(i, i + L.cardButtonsMax) });
  return cards;
}
