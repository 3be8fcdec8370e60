/**
 * Channel-neutral rich-message model.
 *
 * This is also the JSON form: a built message is a plain object of these shapes, it survives
 * `JSON.stringify`/`JSON.parse` unchanged, and `rich-message.dto.ts` validates the same shape.
 * Limits (Meta's Messenger limits, see `RICH_MESSAGE_LIMITS`) are not encoded in the types; check
 * them with `validateRichMessage`.
 */

export const RICH_MESSAGE_KINDS = ['text', 'buttons', 'carousel', 'media'] as const;
export type RichMessageKind = (typeof RICH_MESSAGE_KINDS)[number];

export const WEBVIEW_HEIGHT_RATIOS = ['compact', 'tall', 'full'] as const;
export type WebviewHeightRatio = (typeof WEBVIEW_HEIGHT_RATIOS)[number];

export const IMAGE_ASPECT_RATIOS = ['horizontal', 'square'] as const;
export type ImageAspectRatio = (typeof IMAGE_ASPECT_RATIOS)[number];

export const MEDIA_TYPES = ['image', 'audio', 'video', 'file'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** Media types that may carry buttons (rendered as a Messenger media template). */
export const MEDIA_TYPES_WITH_BUTTONS = ['image', 'video'] as const;
export type MediaTypeWithButtons = (typeof MEDIA_TYPES_WITH_BUTTONS)[number];

export const BUTTON_TYPES = ['postback', 'url', 'call'] as const;
export type ButtonType = (typeof BUTTON_TYPES)[number];

export const QUICK_REPLY_TYPES = ['text', 'user_email', 'user_phone_number'] as const;
export type QuickReplyType = (typeof QUICK_REPLY_TYPES)[number];

/** A button that sends `payload` back to the bot (Messenger postback). */
export interface PostbackButton {
  type: 'postback';
  title: string;
  payload: string;
}

/** A button that opens a URL (Messenger `web_url`). */
export interface UrlButton {
  type: 'url';
  title: string;
  url: string;
  webviewHeightRatio?: WebviewHeightRatio;
  /** Requires an HTTPS `url`. */
  messengerExtensions?: boolean;
  /** Only allowed together with `messengerExtensions: true`. */
  fallbackUrl?: string;
}

/** A button that dials a phone number in E.164-like form (`+16505551234`). */
export interface CallButton {
  type: 'call';
  title: string;
  phoneNumber: string;
}

export type RichButton = PostbackButton | UrlButton | CallButton;

/** A quick reply chip; `title` may be empty only when `imageUrl` is set. */
export interface TextQuickReply {
  type: 'text';
  title: string;
  payload: string;
  imageUrl?: string;
}

/** Asks the platform to offer the customer's e-mail address (hidden if the profile has none). */
export interface UserEmailQuickReply {
  type: 'user_email';
}

/** Asks the platform to offer the customer's phone number (hidden if the profile has none). */
export interface UserPhoneNumberQuickReply {
  type: 'user_phone_number';
}

export type QuickReply = TextQuickReply | UserEmailQuickReply | UserPhoneNumberQuickReply;

/** Fields every message kind may carry. */
export interface RichMessageCommon {
  /** Quick replies attach to any message (Meta: to a message with text or an attachment). */
  quickReplies?: QuickReply[];
  /** Opaque string echoed back by the platform (Messenger: `message_echoes`); < 1000 characters. */
  metadata?: string;
}

export interface TextMessage extends RichMessageCommon {
  kind: 'text';
  text: string;
}

export interface ButtonsMessage extends RichMessageCommon {
  kind: 'buttons';
  text: string;
  buttons: RichButton[];
}

/** What happens when the card itself (not a button) is tapped: open a URL. */
export interface CardDefaultAction {
  url: string;
  webviewHeightRatio?: WebviewHeightRatio;
}

export interface CarouselCard {
  title: string;
  subtitle?: string;
  imageUrl?: string;
  defaultAction?: CardDefaultAction;
  buttons?: RichButton[];
}

export interface CarouselMessage extends RichMessageCommon {
  kind: 'carousel';
  cards: CarouselCard[];
  /**
   * Image aspect ratio for all cards. Messenger sets it once per generic template
   * (`payload.image_aspect_ratio`), so it lives on the carousel, not on each card.
   */
  imageAspectRatio?: ImageAspectRatio;
}

/**
 * An image, audio clip, video or file, given by `url` XOR a platform `attachmentId`.
 * `buttons` are allowed only for image and video (Messenger media template, which also needs an
 * `attachmentId` or a Facebook-hosted URL).
 */
export interface MediaMessage extends RichMessageCommon {
  kind: 'media';
  mediaType: MediaType;
  url?: string;
  attachmentId?: string;
  /** Ask the platform to keep the uploaded asset for reuse (Messenger `is_reusable`); only with `url`. */
  reusable?: boolean;
  buttons?: RichButton[];
}

/**
 * A media message's `url` may name a file in ccm's own media store by its path on ccm (`/media/{key}`
 * or `/media/{key}/{file name}`) instead of a public URL: an agent's upload is answered so when ccm has
 * no public address (MEDIA_PUBLIC_BASE_URL unset, e.g. local mode). Meta cannot fetch it, so a channel
 * that can upload bytes (Messenger's Attachment Upload API, multipart `filedata`) sends the stored file
 * itself, and the desk shows it from ccm's own origin.
 */
const CCM_MEDIA_PATH = /^\/media\/([a-f0-9]{40})(?:\/[^/?#]+)?$/;

/** The media-store key of a ccm media path; undefined for anything else (an absolute URL included). */
export function ccmMediaKey(url: string): string | undefined {
  return CCM_MEDIA_PATH.exec(url)?.[1];
}

export type RichMessage = TextMessage | ButtonsMessage | CarouselMessage | MediaMessage;

/** Which rich features a channel can display; anything missing is degraded to text. */
export interface RichMessageCapabilities {
  buttons: boolean;
  carousel: boolean;
  quickReplies: boolean;
  media: boolean;
}
