import { validateRichMessage } from '@app/templates/rich-message.validator';
import type { CarouselCard, QuickReply, RichButton, RichMessage } from '@app/templates/rich-message.types';

export type { CarouselCard, QuickReply, RichButton, RichMessage };

/** Inbound content as stored by ccm: attachments, or the structured choice of a pressed button. */
export interface InboundContent {
  /** `storedUrl`: ccm's own copy (media store), which outlives Meta's expiring CDN link. */
  attachments?: { type: string; url?: string; storedUrl?: string; title?: string; stickerId?: string }[];
  payload?: string;
  choice?: { payload: string; title?: string; source?: string };
  kind?: string;
}

/**
 * The same validator the server runs (libs/templates), so the editor shows exactly the violations
 * the API would answer with, as the agent types.
 */
export function violations(message: RichMessage): { path: string; message: string }[] {
  return validateRichMessage(message).map((v) => ({ path: v.path, message: v.message }));
}

/** An editable button: postback (payload) or URL. */
export interface ButtonDraft {
  type: 'postback' | 'url';
  title: string;
  value: string;
}

export interface CardDraft {
  title: string;
  subtitle: string;
  imageUrl: string;
  buttons: ButtonDraft[];
}

export function toButton(b: ButtonDraft): RichButton {
  return b.type === 'url' ? { type: 'url', title: b.title, url: b.value } : { type: 'postback', title: b.title, payload: b.value };
}

export function toCard(c: CardDraft): CarouselCard {
  return {
    title: c.title,
    ...(c.subtitle && { subtitle: c.subtitle }),
    ...(c.imageUrl && { imageUrl: c.imageUrl }),
    ...(c.buttons.length > 0 && { buttons: c.buttons.map(toButton) }),
  };
}

export function quickReplies(titles: string[]): QuickReply[] {
  return titles.map((title) => ({ type: 'text', title, payload: title.toUpperCase().replace(/\s+/g, '_').slice(0, 1000) || 'REPLY' }));
}
