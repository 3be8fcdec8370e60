/**
 * Messenger Send API `message` object, as produced by `MessengerRenderer` (snake_case, exactly
 * what goes on the wire). See https://developers.facebook.com/docs/messenger-platform/reference/send-api/
 */
import { ImageAspectRatio, MediaType, MediaTypeWithButtons, WebviewHeightRatio } from '../rich-message.types';

export interface MessengerPostbackButton {
  type: 'postback';
  title: string;
  payload: string;
}

export interface MessengerUrlButton {
  type: 'web_url';
  title: string;
  url: string;
  webview_height_ratio?: WebviewHeightRatio;
  messenger_extensions?: boolean;
  fallback_url?: string;
}

export interface MessengerCallButton {
  type: 'phone_number';
  title: string;
  /** The phone number, `+` and digits. */
  payload: string;
}

export type MessengerButton = MessengerPostbackButton | MessengerUrlButton | MessengerCallButton;

export type MessengerQuickReply =
  | { content_type: 'text'; title: string; payload: string; image_url?: string }
  | { content_type: 'user_email' }
  | { content_type: 'user_phone_number' };

export interface MessengerDefaultAction {
  type: 'web_url';
  url: string;
  webview_height_ratio?: WebviewHeightRatio;
}

export interface MessengerGenericElement {
  title: string;
  subtitle?: string;
  image_url?: string;
  default_action?: MessengerDefaultAction;
  buttons?: MessengerButton[];
}

export interface MessengerButtonTemplatePayload {
  template_type: 'button';
  text: string;
  buttons: MessengerButton[];
}

export interface MessengerGenericTemplatePayload {
  template_type: 'generic';
  image_aspect_ratio?: ImageAspectRatio;
  elements: MessengerGenericElement[];
}

export type MessengerMediaElement = { media_type: MediaTypeWithButtons; buttons?: MessengerButton[] } & (
  { url: string } | { attachment_id: string }
);

export interface MessengerMediaTemplatePayload {
  template_type: 'media';
  elements: [MessengerMediaElement];
}

export type MessengerTemplatePayload = MessengerButtonTemplatePayload | MessengerGenericTemplatePayload | MessengerMediaTemplatePayload;

export interface MessengerTemplateAttachment {
  type: 'template';
  payload: MessengerTemplatePayload;
}

export interface MessengerMediaAttachment {
  type: MediaType;
  payload: { url: string; is_reusable?: boolean } | { attachment_id: string };
}

export type MessengerAttachment = MessengerTemplateAttachment | MessengerMediaAttachment;

interface MessengerMessageCommon {
  quick_replies?: MessengerQuickReply[];
  metadata?: string;
}

export interface MessengerTextMessage extends MessengerMessageCommon {
  text: string;
}

export interface MessengerAttachmentMessage extends MessengerMessageCommon {
  attachment: MessengerAttachment;
}

export type MessengerMessage = MessengerTextMessage | MessengerAttachmentMessage;
