import { countCharacters, isWellFormedText } from './character-count.util';
import { PHONE_NUMBER_PATTERN, RICH_MESSAGE_LIMITS as L } from './rich-message.constant';
import { RichMessageRule, RichMessageValidationError, RichMessageViolation } from './rich-message-validation.error';
import { ccmMediaKey } from '@app/core';
import {
  BUTTON_TYPES,
  IMAGE_ASPECT_RATIOS,
  MEDIA_TYPES,
  MEDIA_TYPES_WITH_BUTTONS,
  QUICK_REPLY_TYPES,
  RICH_MESSAGE_KINDS,
  RichMessage,
  WEBVIEW_HEIGHT_RATIOS,
} from './rich-message.types';

type Fields = Record<string, unknown>;

interface TextRule {
  max?: number;
  required?: boolean;
  /** Allow `''` and blank strings. */
  allowEmpty?: boolean;
}

interface Noun {
  one: string;
  many: string;
}

const CARD: Noun = { one: 'card', many: 'cards' };
const BUTTON: Noun = { one: 'button', many: 'buttons' };
const QUICK_REPLY: Noun = { one: 'quick reply', many: 'quick replies' };

/**
 * Checks a message against Meta's Messenger limits (`RICH_MESSAGE_LIMITS`) and returns every
 * violation (empty when valid). Lengths are counted in grapheme clusters (`countCharacters`).
 * The input is treated as untrusted: wrong types are reported, not thrown.
 */
export function validateRichMessage(model: RichMessage): RichMessageViolation[] {
  const raw: unknown = model;
  if (!isObject(raw)) {
    return [{ path: '', value: raw, rule: 'type', message: 'message: must be an object' }];
  }
  const check = new Checker((RICH_MESSAGE_KINDS as readonly unknown[]).includes(raw.kind) ? String(raw.kind) : '');
  switch (raw.kind) {
    case 'text':
      check.text('text', raw.text, { max: L.textMaxChars });
      break;
    case 'buttons':
      check.text('text', raw.text, { max: L.buttonTextMaxChars });
      check.buttons('buttons', raw.buttons, L.buttonsMin, L.buttonsMax, true);
      break;
    case 'carousel':
      check.oneOf('imageAspectRatio', raw.imageAspectRatio, IMAGE_ASPECT_RATIOS, false);
      check.items('cards', raw.cards, L.cardsMin, L.cardsMax, CARD, true)?.forEach((card, i) => check.card(`cards[${i}]`, card));
      break;
    case 'media':
      check.media(raw);
      break;
    default:
      check.oneOf('kind', raw.kind, RICH_MESSAGE_KINDS, true);
      return check.violations;
  }
  check
    .items('quickReplies', raw.quickReplies, L.quickRepliesMin, L.quickRepliesMax, QUICK_REPLY, false)
    ?.forEach((qr, i) => check.quickReply(`quickReplies[${i}]`, qr));
  check.text('metadata', raw.metadata, { max: L.metadataMaxChars, required: false, allowEmpty: true });
  return check.violations;
}

/** Throws a `RichMessageValidationError` listing every violation; returns the model when valid. */
export function assertValidRichMessage<T extends RichMessage>(model: T): T {
  const violations = validateRichMessage(model);
  if (violations.length > 0) throw new RichMessageValidationError(violations);
  return model;
}

/** Formats the human-readable violation message: the path qualified by the message kind. */
export function formatViolationMessage(kind: string, path: string, description: string): string {
  const qualified =
    kind === '' || path === kind || path.startsWith(`${kind}.`) || path.startsWith(`${kind}[`)
      ? path
      : path === ''
        ? kind
        : `${kind}.${path}`;
  return `${qualified}: ${description}`;
}

/** `https://facebook.com/…` or a subdomain of it: what a Messenger media template accepts as `url`. */
export function isFacebookHostedUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== undefined && url.protocol === 'https:' && (url.hostname === 'facebook.com' || url.hostname.endsWith('.facebook.com'));
}

/** An absolute `http:`/`https:` URL with a host. */
export function isHttpUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  readonly violations: RichMessageViolation[] = [];

  constructor(private readonly kind: string) {}

  add(path: string, value: unknown, rule: RichMessageRule, description: string): void {
    this.violations.push({ path, value, rule, message: formatViolationMessage(this.kind, path, description) });
  }

  /** Returns true when the value is a usable string (even if over the limit). */
  text(path: string, value: unknown, rule: TextRule): value is string {
    if (value === undefined) {
      if (rule.required ?? true) this.add(path, value, 'required', 'is required');
      return false;
    }
    if (typeof value !== 'string') {
      this.add(path, value, 'type', 'must be a string');
      return false;
    }
    if (!isWellFormedText(value)) {
      this.add(path, value, 'encoding', 'must be well-formed Unicode (lone surrogate)');
      return false;
    }
    if (!rule.allowEmpty && value.trim() === '') {
      this.add(path, value, 'notEmpty', 'must not be empty');
      return false;
    }
    if (rule.max !== undefined) {
      const count = countCharacters(value);
      if (count > rule.max) this.add(path, value, 'maxLength', `${count} characters, limit ${rule.max}`);
    }
    return true;
  }

  url(path: string, value: unknown, required: boolean, httpsOnly = false): value is string {
    if (!this.text(path, value, { required })) return false;
    if (!isHttpUrl(value)) {
      this.add(path, value, 'url', 'must be an http(s) URL');
      return false;
    }
    if (httpsOnly && !value.toLowerCase().startsWith('https:')) {
      this.add(path, value, 'httpsUrl', 'must be an HTTPS URL');
      return false;
    }
    return true;
  }

  boolean(path: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'boolean') this.add(path, value, 'type', 'must be a boolean');
  }

  oneOf(path: string, value: unknown, allowed: readonly string[], required: boolean): void {
    if (value === undefined && !required) return;
    if (typeof value !== 'string' || !allowed.includes(value)) this.add(path, value, 'enum', `must be one of ${allowed.join(', ')}`);
  }

  /** Checks an array's presence and size; returns its items (all of them, even over the limit). */
  items(path: string, value: unknown, min: number, max: number, noun: Noun, required: boolean): unknown[] | undefined {
    if (value === undefined) {
      if (required) this.add(path, value, 'required', 'is required');
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.add(path, value, 'type', 'must be an array');
      return undefined;
    }
    if (value.length < min) this.add(path, value.length, 'minItems', `at least ${min} ${min === 1 ? noun.one : noun.many}`);
    if (value.length > max) this.add(`${path}[${max}]`, value.length, 'maxItems', `at most ${max} ${max === 1 ? noun.one : noun.many}`);
    return value;
  }

  buttons(path: string, value: unknown, min: number, max: number, required: boolean): void {
    this.items(path, value, min, max, BUTTON, required)?.forEach((button, i) => this.button(`${path}[${i}]`, button));
  }

  button(path: string, button: unknown): void {
    if (!isObject(button)) {
      this.add(path, button, 'type', 'must be an object');
      return;
    }
    this.text(`${path}.title`, button.title, { max: L.buttonTitleMaxChars });
    switch (button.type) {
      case 'postback':
        this.text(`${path}.payload`, button.payload, { max: L.payloadMaxChars });
        break;
      case 'url': {
        this.boolean(`${path}.messengerExtensions`, button.messengerExtensions);
        const extensions = button.messengerExtensions === true;
        if (this.url(`${path}.url`, button.url, true) && extensions && !button.url.toLowerCase().startsWith('https:')) {
          this.add(`${path}.url`, button.url, 'httpsUrl', 'must be an HTTPS URL when messengerExtensions is true');
        }
        this.oneOf(`${path}.webviewHeightRatio`, button.webviewHeightRatio, WEBVIEW_HEIGHT_RATIOS, false);
        if (button.fallbackUrl !== undefined) {
          if (!extensions) this.add(`${path}.fallbackUrl`, button.fallbackUrl, 'fallbackUrl', 'only allowed with messengerExtensions');
          this.url(`${path}.fallbackUrl`, button.fallbackUrl, true);
        }
        break;
      }
      case 'call':
        if (this.text(`${path}.phoneNumber`, button.phoneNumber, {}) && !PHONE_NUMBER_PATTERN.test(button.phoneNumber)) {
          this.add(`${path}.phoneNumber`, button.phoneNumber, 'phoneNumber', 'must match ^\\+[0-9]+$');
        }
        break;
      default:
        this.oneOf(`${path}.type`, button.type, BUTTON_TYPES, true);
    }
  }

  quickReply(path: string, qr: unknown): void {
    if (!isObject(qr)) {
      this.add(path, qr, 'type', 'must be an object');
      return;
    }
    if (qr.type === 'user_email' || qr.type === 'user_phone_number') return;
    if (qr.type !== 'text') {
      this.oneOf(`${path}.type`, qr.type, QUICK_REPLY_TYPES, true);
      return;
    }
    const hasImage = qr.imageUrl !== undefined;
    if (hasImage) this.url(`${path}.imageUrl`, qr.imageUrl, true);
    if (this.text(`${path}.title`, qr.title, { max: L.quickReplyTitleMaxChars, allowEmpty: true }) && qr.title.trim() === '' && !hasImage) {
      this.add(`${path}.title`, qr.title, 'notEmpty', 'must not be empty (unless imageUrl is set)');
    }
    this.text(`${path}.payload`, qr.payload, { max: L.payloadMaxChars });
  }

  card(path: string, card: unknown): void {
    if (!isObject(card)) {
      this.add(path, card, 'type', 'must be an object');
      return;
    }
    this.text(`${path}.title`, card.title, { max: L.cardTitleMaxChars });
    const hasSubtitle =
      this.text(`${path}.subtitle`, card.subtitle, { max: L.cardSubtitleMaxChars, required: false, allowEmpty: true }) &&
      card.subtitle.trim() !== '';
    if (card.imageUrl !== undefined) this.url(`${path}.imageUrl`, card.imageUrl, true);
    if (card.defaultAction !== undefined) {
      if (isObject(card.defaultAction)) {
        this.url(`${path}.defaultAction.url`, card.defaultAction.url, true);
        this.oneOf(`${path}.defaultAction.webviewHeightRatio`, card.defaultAction.webviewHeightRatio, WEBVIEW_HEIGHT_RATIOS, false);
      } else {
        this.add(`${path}.defaultAction`, card.defaultAction, 'type', 'must be an object');
      }
    }
    this.buttons(`${path}.buttons`, card.buttons, 1, L.cardButtonsMax, false);
    const hasButtons = Array.isArray(card.buttons) && card.buttons.length > 0;
    if (!hasSubtitle && card.imageUrl === undefined && card.defaultAction === undefined && !hasButtons) {
      this.add(path, card, 'cardContent', 'needs a subtitle, image, default action or buttons besides the title');
    }
  }

  media(media: Fields): void {
    this.oneOf('mediaType', media.mediaType, MEDIA_TYPES, true);
    const hasUrl = media.url !== undefined;
    const hasId = media.attachmentId !== undefined;
    if (hasUrl && hasId) this.add('attachmentId', media.attachmentId, 'mediaSource', 'not allowed together with url');
    if (!hasUrl && !hasId) this.add('url', undefined, 'mediaSource', 'url or attachmentId is required');
    // A file in ccm's own media store (`/media/{key}/{name}`, an agent's upload without a public address)
    // is sent by uploading its bytes, not by a URL Meta fetches; buttons still need a Facebook URL or an id.
    const ownFile = typeof media.url === 'string' && ccmMediaKey(media.url) !== undefined;
    const urlOk = hasUrl && (ownFile || this.url('url', media.url, true, true));
    if (hasId) this.text('attachmentId', media.attachmentId, {});
    this.boolean('reusable', media.reusable);
    if (media.reusable !== undefined && !hasUrl) this.add('reusable', media.reusable, 'reusable', 'only allowed with url');
    if (media.buttons === undefined) return;
    const buttonsAllowed = (MEDIA_TYPES_WITH_BUTTONS as readonly unknown[]).includes(media.mediaType);
    if (!buttonsAllowed) this.add('buttons', media.buttons, 'mediaButtons', 'only allowed for image or video');
    this.buttons('buttons', media.buttons, 1, L.mediaButtonsMax, false);
    if (buttonsAllowed && urlOk && typeof media.url === 'string' && !isFacebookHostedUrl(media.url)) {
      this.add('url', media.url, 'facebookUrl', 'media with buttons needs a Facebook-hosted URL or an attachmentId');
    }
  }
}
