export { GraphApiError } from './graph-api.error';
export type { GraphErrorClass } from './graph-api.error';
export { appSecretProof, GraphApiGateway, USER_PROFILE_FIELDS } from './graph-api.gateway';
export type { InstagramUserProfile, SendApiRecipient, SendApiRequest, SendApiResult, UserProfile } from './graph-api.gateway';
export { GraphApiModule } from './graph-api.module';
export { classifyGraphError, DEFAULT_BACKOFF, retryDelay } from './retry-policy';
export type { BackoffOptions } from './retry-policy';
export { toDeliveryError } from './delivery-error.util';
export { InProcessPagePacer, PagePacer, RedisPagePacer, waitFor } from './page-pacer';
export { MetaModule } from './meta.module';
export { PageDirectory } from './page-directory.service';
export { TokenHealthService } from './token-health.service';
export type { TokenCheckOutcome } from './token-health.service';
export {
  ADS_WINDOW_MS,
  decideMessagingWindow,
  HOUR_MS,
  HUMAN_AGENT_WINDOW_MS,
  STANDARD_WINDOW_MS,
  THREAD_CONTROL_IDLE_MS,
} from './messaging-window';
export type { WindowDecision } from './messaging-window';
export { pictureExpiry } from './picture-expiry';
export { verifySignature256, verifySignatureSha1 } from './webhook-signature';
export type { SignatureVerdict } from './webhook-signature';
export { hash, mapMessagingWebhook, USER_REF_PREFIX } from './messaging-webhook.mapper';
export type { EventBase, MappedWebhook, PageItemMapper } from './messaging-webhook.mapper';
export type { MessengerEntry, MessengerItem, MessengerWebhookBody } from './messaging-webhook.types';
