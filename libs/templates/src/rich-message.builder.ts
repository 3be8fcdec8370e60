import {
  ButtonsMessage,
  CallButton,
  CardDefaultAction,
  CarouselCard,
  CarouselMessage,
  ImageAspectRatio,
  MediaMessage,
  MediaType,
  MediaTypeWithButtons,
  PostbackButton,
  QuickReply,
  RichButton,
  RichMessageCommon,
  RichMessage as RichMessageModel,
  TextMessage,
  TextQuickReply,
  UrlButton,
  UserEmailQuickReply,
  UserPhoneNumberQuickReply,
  WebviewHeightRatio,
} from './rich-message.types';

/** Optional settings of a URL button. */
export interface UrlButtonOptions {
  webviewHeightRatio?: WebviewHeightRatio;
  messengerExtensions?: boolean;
  fallbackUrl?: string;
}

/** Creates a postback button. */
export function postbackButton(title: string, payload: string): PostbackButton {
  return { type: 'postback', title, payload };
}

/** Creates a URL button; options with `undefined` values are left out. */
export function urlButton(title: string, url: string, options: UrlButtonOptions = {}): UrlButton {
  return {
    type: 'url',
    title,
    url,
    ...(options.webviewHeightRatio !== undefined && { webviewHeightRatio: options.webviewHeightRatio }),
    ...(options.messengerExtensions !== undefined && { messengerExtensions: options.messengerExtensions }),
    ...(options.fallbackUrl !== undefined && { fallbackUrl: options.fallbackUrl }),
  };
}

/** Creates a call button; `phoneNumber` like `+16505551234`. */
export function callButton(title: string, phoneNumber: string): CallButton {
  return { type: 'call', title, phoneNumber };
}

/** Creates a text quick reply (`title` may be empty only with `imageUrl`). */
export function textQuickReply(title: string, payload: string, imageUrl?: string): TextQuickReply {
  return { type: 'text', title, payload, ...(imageUrl !== undefined && { imageUrl }) };
}

/** Creates a quick reply offering the customer's e-mail address. */
export function userEmailQuickReply(): UserEmailQuickReply {
  return { type: 'user_email' };
}

/** Creates a quick reply offering the customer's phone number. */
export function userPhoneNumberQuickReply(): UserPhoneNumberQuickReply {
  return { type: 'user_phone_number' };
}

/**
 * Shared part of every message builder: quick replies and metadata.
 * Builders never validate; call `validateRichMessage`/`prepareRichMessage` on the result, so an
 * over-limit message can still be built and then degraded on purpose.
 */
abstract class MessageBuilder<M extends RichMessageModel> {
  private readonly replies: QuickReply[] = [];
  private meta?: string;

  /** Adds a text quick reply. */
  quickReply(title: string, payload: string, imageUrl?: string): this {
    this.replies.push(textQuickReply(title, payload, imageUrl));
    return this;
  }

  /** Adds a quick reply that offers the customer's e-mail address. */
  quickReplyUserEmail(): this {
    this.replies.push(userEmailQuickReply());
    return this;
  }

  /** Adds a quick reply that offers the customer's phone number. */
  quickReplyUserPhoneNumber(): this {
    this.replies.push(userPhoneNumberQuickReply());
    return this;
  }

  /** Adds ready-made quick replies. */
  quickReplies(...replies: QuickReply[]): this {
    this.replies.push(...replies.map((r) => ({ ...r })));
    return this;
  }

  /** Sets the opaque metadata echoed back by the platform. */
  metadata(value: string): this {
    this.meta = value;
    return this;
  }

  /** Returns the plain (JSON-form) model; a fresh copy on every call. */
  abstract build(): M;

  protected common(): RichMessageCommon {
    return {
      ...(this.replies.length > 0 && { quickReplies: structuredClone(this.replies) }),
      ...(this.meta !== undefined && { metadata: this.meta }),
    };
  }
}

export class TextMessageBuilder extends MessageBuilder<TextMessage> {
  constructor(private readonly value: string) {
    super();
  }

  build(): TextMessage {
    return { kind: 'text', text: this.value, ...this.common() };
  }
}

export class ButtonsMessageBuilder extends MessageBuilder<ButtonsMessage> {
  private readonly items: RichButton[] = [];

  constructor(private readonly value: string) {
    super();
  }

  postback(title: string, payload: string): this {
    return this.button(postbackButton(title, payload));
  }

  url(title: string, url: string, options?: UrlButtonOptions): this {
    return this.button(urlButton(title, url, options));
  }

  call(title: string, phoneNumber: string): this {
    return this.button(callButton(title, phoneNumber));
  }

  button(button: RichButton): this {
    this.items.push({ ...button });
    return this;
  }

  build(): ButtonsMessage {
    return { kind: 'buttons', text: this.value, buttons: structuredClone(this.items), ...this.common() };
  }
}

export class CardBuilder {
  private card: CarouselCard = { title: '' };
  private readonly items: RichButton[] = [];

  title(value: string): this {
    this.card = { ...this.card, title: value };
    return this;
  }

  subtitle(value: string): this {
    this.card = { ...this.card, subtitle: value };
    return this;
  }

  image(url: string): this {
    this.card = { ...this.card, imageUrl: url };
    return this;
  }

  defaultAction(url: string, webviewHeightRatio?: WebviewHeightRatio): this {
    const action: CardDefaultAction = { url, ...(webviewHeightRatio !== undefined && { webviewHeightRatio }) };
    this.card = { ...this.card, defaultAction: action };
    return this;
  }

  postback(title: string, payload: string): this {
    return this.button(postbackButton(title, payload));
  }

  url(title: string, url: string, options?: UrlButtonOptions): this {
    return this.button(urlButton(title, url, options));
  }

  call(title: string, phoneNumber: string): this {
    return this.button(callButton(title, phoneNumber));
  }

  button(button: RichButton): this {
    this.items.push({ ...button });
    return this;
  }

  build(): CarouselCard {
    const card = structuredClone(this.card);
    return this.items.length > 0 ? { ...card, buttons: structuredClone(this.items) } : card;
  }
}

export class CarouselMessageBuilder extends MessageBuilder<CarouselMessage> {
  private readonly items: CarouselCard[] = [];
  private ratio?: ImageAspectRatio;

  /** Adds a card, either configured on a `CardBuilder` or given as a model. */
  card(card: CarouselCard | ((builder: CardBuilder) => CardBuilder | void)): this {
    if (typeof card === 'function') {
      const builder = new CardBuilder();
      this.items.push((card(builder) ?? builder).build());
    } else {
      this.items.push(structuredClone(card));
    }
    return this;
  }

  imageAspectRatio(ratio: ImageAspectRatio): this {
    this.ratio = ratio;
    return this;
  }

  build(): CarouselMessage {
    return {
      kind: 'carousel',
      cards: structuredClone(this.items),
      ...(this.ratio !== undefined && { imageAspectRatio: this.ratio }),
      ...this.common(),
    };
  }
}

/**
 * Builds a media message. Button methods exist only for `image` and `video` (checked at compile
 * time); a media message with buttons is a Messenger media template.
 */
export class MediaMessageBuilder<T extends MediaType> extends MessageBuilder<MediaMessage> {
  private source: Pick<MediaMessage, 'url' | 'attachmentId' | 'reusable'> = {};
  private readonly items: RichButton[] = [];

  constructor(readonly mediaType: T) {
    super();
  }

  /** Media by URL; `reusable` asks the platform to keep the asset (Messenger `is_reusable`). */
  url(url: string, options: { reusable?: boolean } = {}): this {
    this.source = { url, ...(options.reusable !== undefined && { reusable: options.reusable }) };
    return this;
  }

  /** Media previously uploaded to the platform. */
  attachmentId(id: string): this {
    this.source = { attachmentId: id };
    return this;
  }

  postback<B extends MediaMessageBuilder<MediaTypeWithButtons>>(this: B, title: string, payload: string): B {
    return this.button(postbackButton(title, payload));
  }

  urlButton<B extends MediaMessageBuilder<MediaTypeWithButtons>>(this: B, title: string, url: string, options?: UrlButtonOptions): B {
    return this.button(urlButton(title, url, options));
  }

  call<B extends MediaMessageBuilder<MediaTypeWithButtons>>(this: B, title: string, phoneNumber: string): B {
    return this.button(callButton(title, phoneNumber));
  }

  button<B extends MediaMessageBuilder<MediaTypeWithButtons>>(this: B, button: RichButton): B {
    this.items.push({ ...button });
    return this;
  }

  build(): MediaMessage {
    return {
      kind: 'media',
      mediaType: this.mediaType,
      ...this.source,
      ...(this.items.length > 0 && { buttons: structuredClone(this.items) }),
      ...this.common(),
    };
  }
}

/** The rich-message model (a discriminated union on `kind`); see `rich-message.types.ts`. */
export type RichMessage = RichMessageModel;

/**
 * Fluent entry points:
 * `RichMessage.text('Hi').quickReply('Yes', 'YES').build()`,
 * `RichMessage.buttons('Pick one').postback('Track order', 'TRACK').build()`,
 * `RichMessage.carousel().card((c) => c.title('A').subtitle('b')).build()`,
 * `RichMessage.media('image').url('https://…').build()`.
 */
export const RichMessage = {
  text: (text: string): TextMessageBuilder => new TextMessageBuilder(text),
  buttons: (text: string): ButtonsMessageBuilder => new ButtonsMessageBuilder(text),
  carousel: (): CarouselMessageBuilder => new CarouselMessageBuilder(),
  media: <T extends MediaType>(mediaType: T): MediaMessageBuilder<T> => new MediaMessageBuilder(mediaType),
} as const;
