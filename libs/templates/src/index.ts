export {
  BUTTON_TYPES,
  IMAGE_ASPECT_RATIOS,
  MEDIA_TYPES,
  MEDIA_TYPES_WITH_BUTTONS,
  QUICK_REPLY_TYPES,
  RICH_MESSAGE_KINDS,
  WEBVIEW_HEIGHT_RATIOS,
} from './rich-message.types';
export type {
  ButtonType,
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
  QuickReplyType,
  RichButton,
  RichMessageCapabilities,
  RichMessageCommon,
  RichMessageKind,
  TextMessage,
  TextQuickReply,
  UrlButton,
  UserEmailQuickReply,
  UserPhoneNumberQuickReply,
  WebviewHeightRatio,
} from './rich-message.types';
export {
  ALL_RICH_CAPABILITIES,
  ELLIPSIS,
  PHONE_NUMBER_PATTERN,
  RICH_MESSAGE_LIMITS,
  TEXT_ONLY_CAPABILITIES,
} from './rich-message.constant';
export { countCharacters, isWellFormedText, splitGraphemes, splitText, truncateCharacters } from './character-count.util';
export {
  ButtonsMessageBuilder,
  CardBuilder,
  CarouselMessageBuilder,
  MediaMessageBuilder,
  RichMessage,
  TextMessageBuilder,
  callButton,
  postbackButton,
  textQuickReply,
  urlButton,
  userEmailQuickReply,
  userPhoneNumberQuickReply,
} from './rich-message.builder';
export type { UrlButtonOptions } from './rich-message.builder';
export { RichMessageValidationError } from './rich-message-validation.error';
export type { RichMessageRule, RichMessageViolation } from './rich-message-validation.error';
export {
  assertValidRichMessage,
  formatViolationMessage,
  isFacebookHostedUrl,
  isHttpUrl,
  validateRichMessage,
} from './rich-message.validator';
export { checkCapabilities, degradeRichMessage, prepareRichMessage } from './rich-message.degrade';
export type { PrepareRichMessageOptions, RichMessageMode } from './rich-message.degrade';
export {
  ButtonsMessageDto,
  CallButtonDto,
  CardDefaultActionDto,
  CarouselCardDto,
  CarouselMessageDto,
  MediaMessageDto,
  PostbackButtonDto,
  QUICK_REPLY_DTO_DISCRIMINATOR,
  RICH_BUTTON_DTO_DISCRIMINATOR,
  RICH_MESSAGE_DTO_DISCRIMINATOR,
  TextMessageDto,
  TextQuickReplyDto,
  UnknownButtonDto,
  UnknownQuickReplyDto,
  UnknownRichMessageDto,
  UrlButtonDto,
  UserEmailQuickReplyDto,
  UserPhoneNumberQuickReplyDto,
  ValidateNestedRichMessage,
  parseRichMessage,
} from './rich-message.dto';
export type { QuickReplyDto, RichButtonDto, RichMessageDto } from './rich-message.dto';
export { decodeChoicePayload, encodeChoicePayload, encodeChoices, listChoiceOptions, matchTypedChoice, parseChoice } from './choice.util';
export type { ChoiceInput, ChoiceSource, ChoiceStamp, OfferedOption, ParsedChoice } from './choice.util';
export type { RichMessageRenderer } from './renderers/rich-message.renderer';
export { MessengerRenderer } from './renderers/messenger.renderer';
export type {
  MessengerAttachment,
  MessengerAttachmentMessage,
  MessengerButton,
  MessengerButtonTemplatePayload,
  MessengerCallButton,
  MessengerDefaultAction,
  MessengerGenericElement,
  MessengerGenericTemplatePayload,
  MessengerMediaAttachment,
  MessengerMediaElement,
  MessengerMediaTemplatePayload,
  MessengerMessage,
  MessengerPostbackButton,
  MessengerQuickReply,
  MessengerTemplateAttachment,
  MessengerTemplatePayload,
  MessengerTextMessage,
  MessengerUrlButton,
} from './renderers/messenger-message.types';
export { PlainTextRenderer } from './renderers/plain-text.renderer';
