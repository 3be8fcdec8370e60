export { AGENT_PRESENCE_TTL_MS, ROUTING_POLICIES } from './domain.types';
export type {
  ChannelId,
  ConversationKey,
  ConversationState,
  MessageAuthor,
  MessageDirection,
  MessageStatus,
  RoutingPolicy,
} from './domain.types';
export type { InboundAttachment, InboundEvent, InboundEventKind } from './inbound-event.types';
export { redactSecrets } from './redact.util';
export { DeliveryError } from './outbound.types';
export type {
  CustomerProfile,
  DeliveryFailureKind,
  OutboundContent,
  OutboundMessage,
  OutboundSender,
  OutboundTarget,
  SenderAction,
} from './outbound.types';
export { WEBHOOK_BODY_LIMIT_BYTES, WEBHOOK_PATH_PREFIX } from './http.constants';
export { UnparseableJsonBody } from './unparseable-body';
export { SIGNATURE_HEADER, signTimestampedBody, TIMESTAMP_HEADER, verifyTimestampedSignature } from './signed-body';
export { CHANNEL_ACTION_NAMES, ChannelActionError, CHANNELS } from './channel-adapter.types';
export type {
  ChannelActionErrorCode,
  ChannelActionName,
  ChannelActionOutcome,
  ChannelActionRequest,
  ChannelActions,
  ChannelActor,
  ChannelAdapter,
  ChannelCapabilities,
  ChannelDescriptor,
  ChannelWebhook,
  ChannelWebhookMapping,
  WebhookEntry,
} from './channel-adapter.types';
export { PollingLoop } from './polling-loop';
export { Clock, ClockModule, SystemClock } from './clock';
export { DiscoveredExtensions, Extends, ExtensionPoint, Extensions, ExtensionsModule, ListedExtensions } from './extensions';
export { WorkerPool } from './worker-pool';
export { AsyncContextSlot, outsideAsyncContext } from './async-context';
export { BACKGROUND_SLICE_MS, BackgroundBudget } from './background-budget';
export { findNul, jsonDepth, JsonEdgeError, MAX_JSON_DEPTH, parseApiJson, parseWebhookJson } from './json-edge';
export { isSealed, openSecret, sealSecret } from './secret-box';
export {
  BUTTON_TYPES,
  ccmMediaKey,
  IMAGE_ASPECT_RATIOS,
  MEDIA_TYPES,
  MEDIA_TYPES_WITH_BUTTONS,
  QUICK_REPLY_TYPES,
  RICH_MESSAGE_KINDS,
  WEBVIEW_HEIGHT_RATIOS,
} from './rich-message.types';
export type {
  ButtonsMessage,
  ButtonType,
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
  RichMessage,
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
