export { MessengerChannelModule } from './messenger-channel.module';
export { mapMessengerWebhook } from './messenger-event.mapper';
export { MessengerWebhook } from './messenger-webhook';
export { MESSENGER_DESCRIPTOR, MessengerSender } from './messenger.sender';
export { MESSENGER_PROFILE_FIELDS, MESSENGER_PROFILE_LIMITS, stampProfilePayloads, validateMessengerProfile } from './messenger-profile';
export type { MessengerProfile } from './messenger-profile';
export { InvalidMessengerProfileError, MessengerProfileService } from './messenger-profile.service';
export type { AppliedMessengerProfile } from './messenger-profile.service';
export {
  judgeSubscription,
  REQUIRED_SUBSCRIBED_FIELDS,
  SubscriptionHealthService,
  WANTED_SUBSCRIBED_FIELDS,
} from './subscription-health.service';
export type { SubscriptionVerdict } from './subscription-health.service';
export { PAGE_INBOX_APP_ID, ThreadControlApplier, ThreadControlService, UNKNOWN_THREAD_OWNER } from './thread-control';
export { messengerMigrations } from './migrations';
