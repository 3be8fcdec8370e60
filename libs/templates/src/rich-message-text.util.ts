/**
 * Building blocks of the plain-text form of a message, shared by `PlainTextRenderer` and the
 * degradation rules so both number options the same way.
 *
 * Numbering: every *choice* (postback button, text quick reply) gets a number, in message order
 * (buttons, card by card, then quick replies). Option N is always the N-th entry of
 * `listChoiceOptions(model)`, whatever part of the message is rendered as text. Links are written
 * as `Title: https://…`, call buttons as `Title: +16505551234`; they are not numbered.
 */
import { CarouselCard, MediaMessage, MediaType, QuickReply, RichButton, RichMessage } from './rich-message.types';

export interface NumberedLines {
  lines: string[];
  /** The number the next choice gets. */
  next: number;
}

const MEDIA_LABELS: Record<MediaType, string> = { image: 'Image', audio: 'Audio', video: 'Video', file: 'File' };

export function buttonLines(buttons: readonly RichButton[] | undefined, first: number): NumberedLines {
  let next = first;
  const lines = (buttons ?? []).map((button) => {
    switch (button.type) {
      case 'postback':
        return `${next++}. ${button.title}`;
      case 'url':
        return `${button.title}: ${button.url}`;
      case 'call':
        return `${button.title}: ${button.phoneNumber}`;
    }
  });
  return { lines, next };
}

export function quickReplyLines(replies: readonly QuickReply[] | undefined, first: number): NumberedLines {
  let next = first;
  const lines = (replies ?? []).map((reply) => {
    switch (reply.type) {
      case 'text': {
        const number = next++;
        return `${number}. ${reply.title.trim() === '' ? `Option ${number}` : reply.title}`;
      }
      case 'user_email':
        return 'Or reply with your email address';
      case 'user_phone_number':
        return 'Or reply with your phone number';
    }
  });
  return { lines, next };
}

export function cardBlock(card: CarouselCard, first: number): NumberedLines {
  const buttons = buttonLines(card.buttons, first);
  const lines = [card.title];
  if (card.subtitle !== undefined && card.subtitle.trim() !== '') lines.push(card.subtitle);
  if (card.defaultAction !== undefined) lines.push(card.defaultAction.url);
  return { lines: [...lines, ...buttons.lines], next: buttons.next };
}

export function mediaLine(media: Pick<MediaMessage, 'mediaType' | 'url'>): string {
  const label = MEDIA_LABELS[media.mediaType];
  return media.url !== undefined ? `${label}: ${media.url}` : `[${label}]`;
}

/** How many numbered choices come from buttons (they precede the quick replies). */
export function countButtonChoices(model: RichMessage): number {
  const buttons =
    model.kind === 'buttons' || model.kind === 'media'
      ? (model.buttons ?? [])
      : model.kind === 'carousel'
        ? model.cards.flatMap((c) => c.buttons ?? [])
        : [];
  return buttons.filter((b) => b.type === 'postback').length;
}

/** Renders the main content (everything but quick replies) as text blocks. */
export function contentBlocks(model: RichMessage): NumberedLines {
  switch (model.kind) {
    case 'text':
      return { lines: [model.text], next: 1 };
    case 'buttons': {
      const buttons = buttonLines(model.buttons, 1);
      return { lines: [model.text, buttons.lines.join('\n')].filter((b) => b !== ''), next: buttons.next };
    }
    case 'carousel': {
      let next = 1;
      const blocks = model.cards.map((card) => {
        const block = cardBlock(card, next);
        next = block.next;
        return block.lines.join('\n');
      });
      return { lines: blocks, next };
    }
    case 'media': {
      const buttons = buttonLines(model.buttons, 1);
      return { lines: [mediaLine(model), buttons.lines.join('\n')].filter((b) => b !== ''), next: buttons.next };
    }
  }
}

/** The whole message as one readable string: blocks separated by blank lines. */
export function renderPlainText(model: RichMessage): string {
  const content = contentBlocks(model);
  const replies = quickReplyLines(model.quickReplies, content.next);
  return [...content.lines, replies.lines.join('\n')].filter((b) => b !== '').join('\n\n');
}
