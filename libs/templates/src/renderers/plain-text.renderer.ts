import { RichMessage } from '../rich-message.types';
import { renderPlainText } from '../rich-message-text.util';
import { RichMessageRenderer } from './rich-message.renderer';

/**
 * Renders any message as one readable string for text-only channels: the text, then numbered
 * choices (postback buttons and quick replies, numbered like `listChoiceOptions`), links as
 * `Title: https://…`, call buttons as `Title: +16505551234`, cards as blocks separated by blank
 * lines, media as `Image: https://…` (or `[Image]` for an uploaded attachment).
 *
 * The string is not length-limited; use `degradeRichMessage` with `TEXT_ONLY_CAPABILITIES` to get
 * messages split to the text limit.
 */
export class PlainTextRenderer implements RichMessageRenderer<string> {
  render(message: RichMessage): string {
    return renderPlainText(message);
  }
}
