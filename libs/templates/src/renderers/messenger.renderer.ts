import { CarouselCard, MediaMessage, QuickReply, RichButton, RichMessage } from '../rich-message.types';
import {
  MessengerAttachment,
  MessengerButton,
  MessengerGenericElement,
  MessengerMediaElement,
  MessengerMessage,
  MessengerQuickReply,
} from './messenger-message.types';
import { RichMessageRenderer } from './rich-message.renderer';

/**
 * Renders the Messenger Send API `message` object (snake_case), ready to be placed in
 * `{ recipient, messaging_type, message }`. Optional fields that are not set are left out.
 *
 * - `text` → `{ text }`
 * - `buttons` → button template
 * - `carousel` → generic template (`image_aspect_ratio` from the carousel)
 * - `media` with buttons (image/video) → media template; otherwise a plain attachment
 *   (`{ url, is_reusable? }` or `{ attachment_id }`)
 *
 * @see https://developers.facebook.com/docs/messenger-platform/reference/send-api/
 * @see https://developers.facebook.com/docs/messenger-platform/send-messages/templates
 */
export class MessengerRenderer implements RichMessageRenderer<MessengerMessage> {
  render(message: RichMessage): MessengerMessage {
    const common = {
      ...(message.quickReplies !== undefined && { quick_replies: message.quickReplies.map(renderQuickReply) }),
      ...(message.metadata !== undefined && { metadata: message.metadata }),
    };
    switch (message.kind) {
      case 'text':
        return { text: message.text, ...common };
      case 'buttons':
        return {
          attachment: {
            type: 'template',
            payload: { template_type: 'button', text: message.text, buttons: message.buttons.map(renderButton) },
          },
          ...common,
        };
      case 'carousel':
        return {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'generic',
              ...(message.imageAspectRatio !== undefined && { image_aspect_ratio: message.imageAspectRatio }),
              elements: message.cards.map(renderCard),
            },
          },
          ...common,
        };
      case 'media':
        return { attachment: renderMedia(message), ...common };
    }
  }
}

function renderButton(button: RichButton): MessengerButton {
  switch (button.type) {
    case 'postback':
      return { type: 'postback', title: button.title, payload: button.payload };
    case 'url':
      return {
        type: 'web_url',
        title: button.title,
        url: button.url,
        ...(button.webviewHeightRatio !== undefined && { webview_height_ratio: button.webviewHeightRatio }),
        ...(button.messengerExtensions !== undefined && { messenger_extensions: button.messengerExtensions }),
        ...(button.fallbackUrl !== undefined && { fallback_url: button.fallbackUrl }),
      };
    case 'call':
      return { type: 'phone_number', title: button.title, payload: button.phoneNumber };
  }
}

function renderQuickReply(reply: QuickReply): MessengerQuickReply {
  switch (reply.type) {
    case 'text':
      return {
        content_type: 'text',
        title: reply.title,
        payload: reply.payload,
        ...(reply.imageUrl !== undefined && { image_url: reply.imageUrl }),
      };
    case 'user_email':
      return { content_type: 'user_email' };
    case 'user_phone_number':
      return { content_type: 'user_phone_number' };
  }
}

function renderCard(card: CarouselCard): MessengerGenericElement {
  return {
    title: card.title,
    ...(card.subtitle !== undefined && { subtitle: card.subtitle }),
    ...(card.imageUrl !== undefined && { image_url: card.imageUrl }),
    ...(card.defaultAction !== undefined && {
      default_action: {
        type: 'web_url',
        url: card.defaultAction.url,
        ...(card.defaultAction.webviewHeightRatio !== undefined && { webview_height_ratio: card.defaultAction.webviewHeightRatio }),
      },
    }),
    ...(card.buttons !== undefined && { buttons: card.buttons.map(renderButton) }),
  };
}

/** Buttons on an audio clip or file cannot be shown by Messenger; validation rejects them. */
function renderMedia(media: MediaMessage): MessengerAttachment {
  const source = media.attachmentId !== undefined ? { attachment_id: media.attachmentId } : { url: media.url ?? '' };
  if (media.buttons !== undefined && (media.mediaType === 'image' || media.mediaType === 'video')) {
    const element: MessengerMediaElement = { media_type: media.mediaType, ...source, buttons: media.buttons.map(renderButton) };
    return { type: 'template', payload: { template_type: 'media', elements: [element] } };
  }
  if ('attachment_id' in source) return { type: media.mediaType, payload: source };
  return { type: media.mediaType, payload: { ...source, ...(media.reusable !== undefined && { is_reusable: media.reusable }) } };
}
