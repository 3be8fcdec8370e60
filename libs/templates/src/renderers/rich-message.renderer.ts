import { RichMessage } from '../rich-message.types';

/**
 * Turns a channel-neutral message into one channel's wire form. Channel modules pick their
 * renderer; the library keeps no registry.
 *
 * Renderers expect a message that passed `validateRichMessage` (or came out of
 * `prepareRichMessage`); they do not check limits themselves.
 */
export interface RichMessageRenderer<T> {
  render(message: RichMessage): T;
}
