/**
 * The Graph API double's own check of a Send API request body (`POST /<PAGE_ID>/messages`),
 * enforcing the rules of the Messenger fact sheet §4.1, §5 and §14.1 the way Meta answers them:
 * the first problem found becomes a `(#100) …` error naming the offending parameter in Meta's
 * bracket notation (`message[attachment][payload][buttons][0][title]`).
 *
 * Framework-free and deliberately independent from `@app/templates`: it is the reference the
 * renderer is tested against, so it must not share the renderer's code.
 *
 * Choices where Meta's behaviour is not documented:
 * - lengths are counted in UTF-16 code units by default, the unit Meta's own SDKs apply (the
 *   strictest plausible count; fact sheet §14.1.5); `'codePoint'` or `'grapheme'` simulate a laxer platform;
 * - unknown keys are rejected everywhere, so a camelCase or misspelt field fails loudly;
 * - `access_token` / `appsecret_proof` / `appsecret_time` are tolerated in the body (Graph accepts
 *   them as form parameters);
 * - templates ccm does not emit (`receipt`, `product`, `coupon`, `image_grid`,
 *   `customer_feedback`) are accepted after a shallow check; `list` and `open_graph` are rejected.
 */

export type SendApiValidationResult = { ok: true } | { ok: false; code: number; subcode?: number; message: string };

export interface SendApiValidatorOptions {
  /** How "characters" are counted for length limits (default `utf16`). */
  characterCounting?: 'grapheme' | 'codePoint' | 'utf16';
}

/** Subcode Meta returns when `message` and `sender_action` are combined (fact sheet §7.2). */
export const SEND_API_SUBCODE_MESSAGE_WITH_SENDER_ACTION = 2018014;

const TRANSPORT_KEYS = ['access_token', 'appsecret_proof', 'appsecret_time'];
const MESSAGE_REQUEST_KEYS = [
  'recipient',
  'messaging_type',
  'message',
  'tag',
  'notification_type',
  'reply_to',
  'persona_id',
  'thread_control',
  ...TRANSPORT_KEYS,
];
const RECIPIENT_KEYS = ['id', 'user_ref', 'comment_id', 'post_id', 'notification_messages_token', 'one_time_notif_token'];
const SENDER_ACTIONS = ['typing_on', 'typing_off', 'mark_seen', 'react', 'unreact'];
const MESSAGING_TYPES = ['RESPONSE', 'UPDATE', 'MESSAGE_TAG', 'UTILITY'];
const MESSAGE_TAGS = ['HUMAN_AGENT', 'CUSTOMER_FEEDBACK'];
const RETIRED_TAGS = [
  'ACCOUNT_UPDATE',
  'CONFIRMED_EVENT_UPDATE',
  'POST_PURCHASE_UPDATE',
  'SHIPPING_UPDATE',
  'ISSUE_RESOLUTION',
  'NON_PROMOTIONAL_SUBSCRIPTION',
];
const NOTIFICATION_TYPES = ['REGULAR', 'SILENT_PUSH', 'NO_PUSH'];
const MESSAGE_CONTENT_KEYS = ['text', 'attachment', 'sticker_id', 'template'];
const MESSAGE_KEYS = [...MESSAGE_CONTENT_KEYS, 'quick_replies', 'metadata'];
const MEDIA_ATTACHMENT_TYPES = ['image', 'audio', 'video', 'file'];
const QUICK_REPLY_CONTENT_TYPES = ['text', 'user_phone_number', 'user_email'];
const WEBVIEW_HEIGHT_RATIOS = ['compact', 'tall', 'full'];
const IMAGE_ASPECT_RATIOS = ['horizontal', 'square'];
const SHALLOW_TEMPLATES = ['receipt', 'product', 'coupon', 'image_grid', 'customer_feedback'];
const RETIRED_TEMPLATES = ['list', 'open_graph'];
const PHONE_NUMBER = /^\+[0-9]+$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const LIMITS = {
  /** "< 2000 characters" */
  textMax: 1999,
  /** "< 1000 characters" */
  metadataMax: 999,
  buttonTemplateTextMax: 640,
  buttonTitleMax: 20,
  payloadMax: 1000,
  quickRepliesMax: 13,
  quickReplyTitleMax: 20,
  genericElementsMax: 10,
  elementTitleMax: 80,
  elementSubtitleMax: 80,
  buttonsMax: 3,
};

type Json = Record<string, unknown>;

class Rejection extends Error {
  constructor(
    message: string,
    readonly subcode?: number,
  ) {
    super(message);
  }
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Validates a whole Send API request body like Meta does; returns the first error found. */
export function validateSendApiRequest(body: unknown, options: SendApiValidatorOptions = {}): SendApiValidationResult {
  try {
    new RequestChecker(options.characterCounting ?? 'utf16').request(body);
    return { ok: true };
  } catch (error: unknown) {
    if (!(error instanceof Rejection)) throw error;
    return { ok: false, code: 100, ...(error.subcode !== undefined && { subcode: error.subcode }), message: error.message };
  }
}

function reject(param: string, problem: string, subcode?: number): never {
  throw new Rejection(`(#100) Param ${param} ${problem}`, subcode);
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class RequestChecker {
  constructor(private readonly counting: 'grapheme' | 'codePoint' | 'utf16') {}

  request(body: unknown): void {
    if (!isJson(body)) throw new Rejection('(#100) The request body must be a JSON object');
    if (body.recipient === undefined) throw new Rejection('(#100) The parameter recipient is required');
    this.recipient(body.recipient);
    const hasMessage = body.message !== undefined;
    const hasAction = body.sender_action !== undefined;
    if (hasMessage && hasAction) {
      reject('sender_action', 'cannot be sent with message in the same request', SEND_API_SUBCODE_MESSAGE_WITH_SENDER_ACTION);
    }
    if (!hasMessage && !hasAction) throw new Rejection('(#100) The parameter message or sender_action is required');
    if (hasAction) this.senderAction(body);
    else this.messageRequest(body);
  }

  private recipient(recipient: unknown): void {
    if (!isJson(recipient)) reject('recipient', 'must be an object');
    this.knownKeys('recipient', recipient, RECIPIENT_KEYS);
    const present = RECIPIENT_KEYS.filter((k) => recipient[k] !== undefined);
    if (present.length !== 1) reject('recipient', `must have exactly one of ${RECIPIENT_KEYS.join(', ')}`);
    const value = recipient[present[0]];
    const ok =
      (typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isSafeInteger(value) && value > 0);
    if (!ok) reject(`recipient[${present[0]}]`, 'must be a non-empty string');
  }

  private senderAction(body: Json): void {
    const action = body.sender_action;
    if (typeof action !== 'string' || !SENDER_ACTIONS.includes(action))
      reject('sender_action', `must be one of ${SENDER_ACTIONS.join(', ')}`);
    const withPayload = action === 'react' || action === 'unreact';
    const allowed = ['recipient', 'sender_action', ...(withPayload ? ['payload'] : []), ...TRANSPORT_KEYS];
    const extra = Object.keys(body).find((k) => !allowed.includes(k));
    if (extra !== undefined) {
      reject(
        extra,
        `cannot be sent with sender_action ${action} (only recipient${withPayload ? ' and payload' : ''})`,
        SEND_API_SUBCODE_MESSAGE_WITH_SENDER_ACTION,
      );
    }
    if (!withPayload) return;
    const payload = body.payload;
    if (!isJson(payload)) reject('payload', `is required for sender_action ${action}`);
    this.knownKeys('payload', payload, ['message_id', 'reaction']);
    this.requiredString('payload[message_id]', payload.message_id);
    if (action === 'react') this.requiredString('payload[reaction]', payload.reaction);
    else if (payload.reaction !== undefined) reject('payload[reaction]', 'is not allowed for unreact');
  }

  private messageRequest(body: Json): void {
    this.knownKeys('', body, MESSAGE_REQUEST_KEYS);
    const type = body.messaging_type;
    if (type === undefined) throw new Rejection('(#100) The parameter messaging_type is required');
    if (typeof type !== 'string' || !MESSAGING_TYPES.includes(type))
      reject('messaging_type', `must be one of ${MESSAGING_TYPES.join(', ')}`);
    const tag = body.tag;
    if (tag !== undefined) {
      if (typeof tag === 'string' && RETIRED_TAGS.includes(tag))
        reject('tag', `${tag} is no longer supported (use HUMAN_AGENT or CUSTOMER_FEEDBACK)`);
      if (typeof tag !== 'string' || !MESSAGE_TAGS.includes(tag)) reject('tag', `must be one of ${MESSAGE_TAGS.join(', ')}`);
      if (type !== 'MESSAGE_TAG') reject('tag', 'is only allowed with messaging_type MESSAGE_TAG');
    } else if (type === 'MESSAGE_TAG') {
      reject('tag', 'is required when messaging_type is MESSAGE_TAG');
    }
    if (body.notification_type !== undefined) this.oneOf('notification_type', body.notification_type, NOTIFICATION_TYPES);
    if (body.persona_id !== undefined) this.requiredString('persona_id', body.persona_id);
    if (body.reply_to !== undefined) {
      if (!isJson(body.reply_to)) reject('reply_to', 'must be an object');
      this.knownKeys('reply_to', body.reply_to, ['mid']);
      this.requiredString('reply_to[mid]', body.reply_to.mid);
    }
    if (body.thread_control !== undefined) {
      if (!isJson(body.thread_control)) reject('thread_control', 'must be an object');
      this.knownKeys('thread_control', body.thread_control, ['control_type', 'app_id']);
      this.oneOf('thread_control[control_type]', body.thread_control.control_type, ['pass', 'release']);
    }
    this.message(body.message);
    if (tag === 'CUSTOMER_FEEDBACK' && !isCustomerFeedbackTemplate(body.message)) {
      reject('tag', 'CUSTOMER_FEEDBACK is only allowed with the customer_feedback template');
    }
  }

  private message(message: unknown): void {
    if (!isJson(message)) reject('message', 'must be an object');
    this.knownKeys('message', message, MESSAGE_KEYS);
    const content = MESSAGE_CONTENT_KEYS.filter((k) => message[k] !== undefined);
    if (content.length !== 1) reject('message', `must have exactly one of ${MESSAGE_CONTENT_KEYS.join(', ')}`);
    if (message.text !== undefined) this.text('message[text]', message.text, LIMITS.textMax);
    if (message.attachment !== undefined) this.attachment(message.attachment);
    if (message.sticker_id !== undefined) this.requiredString('message[sticker_id]', message.sticker_id, true);
    if (message.template !== undefined && !isJson(message.template)) reject('message[template]', 'must be an object');
    if (message.metadata !== undefined) this.text('message[metadata]', message.metadata, LIMITS.metadataMax, true);
    if (message.quick_replies !== undefined) {
      if (message.text === undefined && message.attachment === undefined)
        reject('message[quick_replies]', 'is only allowed with text or an attachment');
      this.array('message[quick_replies]', message.quick_replies, 1, LIMITS.quickRepliesMax).forEach((qr, i) =>
        this.quickReply(`message[quick_replies][${i}]`, qr),
      );
    }
  }

  private quickReply(param: string, qr: unknown): void {
    if (!isJson(qr)) reject(param, 'must be an object');
    this.oneOf(`${param}[content_type]`, qr.content_type, QUICK_REPLY_CONTENT_TYPES);
    if (qr.content_type !== 'text') {
      this.knownKeys(param, qr, ['content_type']);
      return;
    }
    this.knownKeys(param, qr, ['content_type', 'title', 'payload', 'image_url']);
    const hasImage = qr.image_url !== undefined;
    if (hasImage) this.url(`${param}[image_url]`, qr.image_url);
    // Title and payload may be empty only when the chip shows an image.
    this.text(`${param}[title]`, qr.title, LIMITS.quickReplyTitleMax, hasImage);
    this.text(`${param}[payload]`, qr.payload, LIMITS.payloadMax, hasImage);
  }

  private attachment(attachment: unknown): void {
    const param = 'message[attachment]';
    if (!isJson(attachment)) reject(param, 'must be an object');
    this.knownKeys(param, attachment, ['type', 'payload']);
    this.oneOf(`${param}[type]`, attachment.type, [...MEDIA_ATTACHMENT_TYPES, 'template']);
    const payload = attachment.payload;
    if (!isJson(payload)) reject(`${param}[payload]`, 'must be an object');
    if (attachment.type === 'template') this.template(`${param}[payload]`, payload);
    else this.mediaPayload(`${param}[payload]`, payload);
  }

  private mediaPayload(param: string, payload: Json): void {
    this.knownKeys(param, payload, ['url', 'attachment_id', 'is_reusable']);
    const hasUrl = payload.url !== undefined;
    if (hasUrl === (payload.attachment_id !== undefined)) reject(param, 'must have exactly one of url, attachment_id');
    if (hasUrl) this.url(`${param}[url]`, payload.url, true);
    else this.requiredString(`${param}[attachment_id]`, payload.attachment_id, true);
    if (payload.is_reusable !== undefined) {
      if (typeof payload.is_reusable !== 'boolean') reject(`${param}[is_reusable]`, 'must be a boolean');
      if (!hasUrl) reject(`${param}[is_reusable]`, 'is only allowed with url');
    }
  }

  private template(param: string, payload: Json): void {
    const type = payload.template_type;
    if (typeof type === 'string' && RETIRED_TEMPLATES.includes(type)) reject(`${param}[template_type]`, `${type} is deprecated`);
    switch (type) {
      case 'button':
        this.knownKeys(param, payload, ['template_type', 'text', 'buttons', 'sharable']);
        this.text(`${param}[text]`, payload.text, LIMITS.buttonTemplateTextMax);
        this.buttons(`${param}[buttons]`, payload.buttons, true);
        break;
      case 'generic':
        this.knownKeys(param, payload, ['template_type', 'elements', 'image_aspect_ratio', 'sharable']);
        if (payload.image_aspect_ratio !== undefined)
          this.oneOf(`${param}[image_aspect_ratio]`, payload.image_aspect_ratio, IMAGE_ASPECT_RATIOS);
        this.array(`${param}[elements]`, payload.elements, 1, LIMITS.genericElementsMax).forEach((e, i) =>
          this.genericElement(`${param}[elements][${i}]`, e),
        );
        break;
      case 'media':
        this.knownKeys(param, payload, ['template_type', 'elements', 'sharable']);
        this.array(`${param}[elements]`, payload.elements, 1, 1).forEach((e, i) => this.mediaElement(`${param}[elements][${i}]`, e));
        break;
      default:
        if (typeof type !== 'string' || !SHALLOW_TEMPLATES.includes(type)) {
          reject(`${param}[template_type]`, `must be one of button, generic, media, ${SHALLOW_TEMPLATES.join(', ')}`);
        }
    }
    if (payload.sharable !== undefined && typeof payload.sharable !== 'boolean') reject(`${param}[sharable]`, 'must be a boolean');
  }

  private genericElement(param: string, element: unknown): void {
    if (!isJson(element)) reject(param, 'must be an object');
    this.knownKeys(param, element, ['title', 'subtitle', 'image_url', 'default_action', 'buttons']);
    this.text(`${param}[title]`, element.title, LIMITS.elementTitleMax);
    if (element.subtitle !== undefined) this.text(`${param}[subtitle]`, element.subtitle, LIMITS.elementSubtitleMax, true);
    if (element.image_url !== undefined) this.url(`${param}[image_url]`, element.image_url);
    if (element.default_action !== undefined) this.defaultAction(`${param}[default_action]`, element.default_action);
    if (element.buttons !== undefined) this.buttons(`${param}[buttons]`, element.buttons, true);
    const hasSubtitle = typeof element.subtitle === 'string' && element.subtitle.trim() !== '';
    if (!hasSubtitle && element.image_url === undefined && element.default_action === undefined && element.buttons === undefined) {
      reject(param, 'must have at least one of subtitle, image_url, default_action, buttons besides title');
    }
  }

  private mediaElement(param: string, element: unknown): void {
    if (!isJson(element)) reject(param, 'must be an object');
    this.knownKeys(param, element, ['media_type', 'url', 'attachment_id', 'buttons']);
    this.oneOf(`${param}[media_type]`, element.media_type, ['image', 'video']);
    const hasUrl = element.url !== undefined;
    if (hasUrl === (element.attachment_id !== undefined)) reject(param, 'must have exactly one of url, attachment_id');
    if (hasUrl) {
      this.url(`${param}[url]`, element.url, true);
      if (!isFacebookUrl(String(element.url))) reject(`${param}[url]`, 'must be a Facebook URL (use attachment_id for other media)');
    } else {
      this.requiredString(`${param}[attachment_id]`, element.attachment_id, true);
    }
    if (element.buttons !== undefined) this.buttons(`${param}[buttons]`, element.buttons, true);
  }

  private defaultAction(param: string, action: unknown): void {
    if (!isJson(action)) reject(param, 'must be an object');
    if (action.title !== undefined) reject(`${param}[title]`, 'is not allowed in default_action');
    this.knownKeys(param, action, ['type', 'url', 'webview_height_ratio', 'messenger_extensions', 'fallback_url', 'webview_share_button']);
    if (action.type !== 'web_url') reject(`${param}[type]`, 'must be web_url');
    this.webUrlFields(param, action);
  }

  private buttons(param: string, buttons: unknown, required: boolean): void {
    if (buttons === undefined && !required) return;
    this.array(param, buttons, 1, LIMITS.buttonsMax).forEach((b, i) => this.button(`${param}[${i}]`, b));
  }

  private button(param: string, button: unknown): void {
    if (!isJson(button)) reject(param, 'must be an object');
    switch (button.type) {
      case 'web_url':
        this.knownKeys(param, button, [
          'type',
          'title',
          'url',
          'webview_height_ratio',
          'messenger_extensions',
          'fallback_url',
          'webview_share_button',
        ]);
        this.text(`${param}[title]`, button.title, LIMITS.buttonTitleMax);
        this.webUrlFields(param, button);
        break;
      case 'postback':
        this.knownKeys(param, button, ['type', 'title', 'payload']);
        this.text(`${param}[title]`, button.title, LIMITS.buttonTitleMax);
        this.text(`${param}[payload]`, button.payload, LIMITS.payloadMax);
        break;
      case 'phone_number':
        this.knownKeys(param, button, ['type', 'title', 'payload']);
        this.text(`${param}[title]`, button.title, LIMITS.buttonTitleMax);
        if (typeof button.payload !== 'string' || !PHONE_NUMBER.test(button.payload))
          reject(`${param}[payload]`, 'must be a phone number like +16505551234');
        break;
      case 'account_link':
        this.knownKeys(param, button, ['type', 'url']);
        this.url(`${param}[url]`, button.url, true);
        break;
      case 'account_unlink':
        this.knownKeys(param, button, ['type']);
        break;
      default:
        reject(`${param}[type]`, 'must be one of web_url, postback, phone_number, account_link, account_unlink');
    }
  }

  private webUrlFields(param: string, fields: Json): void {
    const extensions = fields.messenger_extensions;
    if (extensions !== undefined && typeof extensions !== 'boolean') reject(`${param}[messenger_extensions]`, 'must be a boolean');
    this.url(`${param}[url]`, fields.url, extensions === true);
    if (fields.webview_height_ratio !== undefined)
      this.oneOf(`${param}[webview_height_ratio]`, fields.webview_height_ratio, WEBVIEW_HEIGHT_RATIOS);
    if (fields.fallback_url !== undefined) {
      if (extensions !== true) reject(`${param}[fallback_url]`, 'is only allowed with messenger_extensions true');
      this.url(`${param}[fallback_url]`, fields.fallback_url);
    }
    if (fields.webview_share_button !== undefined && fields.webview_share_button !== 'hide')
      reject(`${param}[webview_share_button]`, 'must be hide');
  }

  // ---- primitives ----

  private text(param: string, value: unknown, max: number, allowEmpty = false): void {
    if (value === undefined) throw new Rejection(`(#100) The parameter ${param} is required`);
    if (typeof value !== 'string' || LONE_SURROGATE.test(value)) reject(param, 'must be a UTF-8 encoded string');
    if (!allowEmpty && value.trim() === '') reject(param, 'must be non-empty');
    const length = this.count(value);
    if (length > max) reject(param, `must be less than ${max + 1} characters (got ${length})`);
  }

  private requiredString(param: string, value: unknown, allowNumber = false): void {
    if (value === undefined) throw new Rejection(`(#100) The parameter ${param} is required`);
    const ok =
      (typeof value === 'string' && value.trim() !== '') || (allowNumber && typeof value === 'number' && Number.isSafeInteger(value));
    if (!ok) reject(param, 'must be a non-empty string');
  }

  private url(param: string, value: unknown, httpsOnly = false): void {
    if (value === undefined) throw new Rejection(`(#100) The parameter ${param} is required`);
    const url = typeof value === 'string' ? parseUrl(value) : undefined;
    if (url === undefined || !['http:', 'https:'].includes(url.protocol) || url.hostname === '') reject(param, 'must be a valid URL');
    if (httpsOnly && url.protocol !== 'https:') reject(param, 'must be an HTTPS URL');
  }

  private oneOf(param: string, value: unknown, allowed: readonly string[]): void {
    if (typeof value !== 'string' || !allowed.includes(value)) reject(param, `must be one of ${allowed.join(', ')}`);
  }

  private array(param: string, value: unknown, min: number, max: number): unknown[] {
    if (!Array.isArray(value)) reject(param, 'must be an array');
    if (value.length < min) reject(param, `must have at least ${min} item${min === 1 ? '' : 's'}`);
    if (value.length > max) reject(param, `must have at most ${max} item${max === 1 ? '' : 's'} (got ${value.length})`);
    return value;
  }

  private knownKeys(param: string, value: Json, allowed: readonly string[]): void {
    const unknown = Object.keys(value).find((k) => !allowed.includes(k));
    if (unknown !== undefined) reject(param === '' ? unknown : `${param}[${unknown}]`, 'is not a supported parameter');
  }

  private count(value: string): number {
    switch (this.counting) {
      case 'utf16':
        return value.length;
      case 'codePoint':
        return Array.from(value).length;
      case 'grapheme': {
        let n = 0;
        for (const _ of segmenter.segment(value)) n++;
        return n;
      }
    }
  }
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function isFacebookUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== undefined && (url.hostname === 'facebook.com' || url.hostname.endsWith('.facebook.com'));
}

function isCustomerFeedbackTemplate(message: unknown): boolean {
  return (
    isJson(message) &&
    isJson(message.attachment) &&
    message.attachment.type === 'template' &&
    isJson(message.attachment.payload) &&
    message.attachment.payload.template_type === 'customer_feedback'
  );
}
