import { ChannelId } from './domain.types';

/**
 * A channel-neutral inbound event, produced by a channel's event mapper from one webhook item and
 * written to the inbound journal before the webhook is acknowledged.
 */
export type InboundEventKind =
  | 'message'
  | 'echo'
  | 'postback'
  | 'quick_reply'
  | 'referral'
  | 'optin'
  | 'delivery'
  | 'read'
  | 'reaction'
  | 'message_edit'
  | 'account_linking'
  /** The platform restricted or released the Page (e.g. Meta's policy enforcement). */
  | 'page_policy'
  | 'handover'
  /** Something only its channel understands (e.g. a comment hidden): applied by the channel's `ChannelEventApplier`. */
  | 'channel_event'
  | 'unknown';

export interface InboundAttachment {
  type: string;
  url?: string;
  title?: string;
  stickerId?: string;
  coordinates?: { lat: number; long: number };
  /** Content the platform forbids storing (Instagram story mentions/replies): shown from its URL, never downloaded. */
  ephemeral?: boolean;
  /** ccm's copy (media store): its key and the link the desk and the bridge show instead of Meta's expiring URL. */
  mediaKey?: string;
  storedUrl?: string;
  raw: unknown;
}

export interface InboundEvent {
  channel: ChannelId;
  kind: InboundEventKind;
  pageId: string;
  /** The customer this event belongs to (PSID); undefined for page-level events. */
  customerId?: string;
  /** Event time in epoch milliseconds, as Meta reports it; used to order a conversation's events. */
  timestamp: number;
  /** Idempotency key: the same Meta event always maps to the same key. */
  dedupeKey: string;
  /** True when the event came from the standby channel (another app owns the thread): record only. */
  standby: boolean;
  /** True when the event is something the customer did (re-opens the 24-hour window). */
  userOriginated: boolean;
  mid?: string;
  text?: string;
  payload?: string;
  /** A reaction event: the emoji (or Meta's reaction name when no emoji is given); absent when the customer removed it (`payload: "unreact"`). */
  reaction?: string;
  attachments?: InboundAttachment[];
  /** Watermark for delivery/read receipts (epoch ms). */
  watermark?: number;
  /** Delivery/read receipts: the message ids the receipt names (besides everything up to the watermark). */
  receiptMids?: string[];
  /** An acknowledgement (e.g. Messenger's "like" sticker): recorded, never a question for the bot or an agent. */
  acknowledgement?: boolean;
  /** An echo of a message ccm sent itself (the channel recognised its own marker): the stored message's id. */
  ownMessageId?: number;
  /** The customer's message came right after a click on an ad (`referral.source: "ADS"`): Meta's 7-day ads window. */
  fromAd?: boolean;
  /** The untouched webhook item, kept for audit and for kinds we do not map yet. */
  raw: unknown;
}
