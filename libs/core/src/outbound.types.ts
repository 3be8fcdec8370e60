import type { RichMessage } from './rich-message.types';
import { ChannelId, MessageAuthor } from './domain.types';

/** Where an outbound message goes. */
export interface OutboundTarget {
  channel: ChannelId;
  conversationId: string;
  pageId: string;
  customerId: string;
  /** The customer's last user-originated event (epoch ms): channels with a messaging window need it. */
  lastUserEventAt: number | null;
  /** When the customer's first message came from a click-to-Messenger/Direct ad: its time (a window of up to 7 days). */
  adsMessageAt?: number | null;
  /** Conversation Routing: another app owns the thread (null/undefined: ccm may send). */
  threadOwner?: string | null;
}

/**
 * What is sent: a channel-neutral rich message (plain text is `{ kind: 'text', text }`), stored as
 * JSON on the message row and rendered by the channel that delivers it.
 */
export type OutboundContent = RichMessage;

export interface OutboundMessage {
  id: number;
  author: MessageAuthor;
  content: OutboundContent;
  /**
   * Meta's id of the customer message this answers (fixed when the answer was queued): a channel
   * whose replies go under an item (a comment) replies to that one, not to whatever is latest now.
   */
  replyTo?: string;
}

export type DeliveryFailureKind = 'transient' | 'permanent' | 'paused';

/**
 * A send that did not go through, as the outbox needs to know it: retry later (`transient`), give up
 * and tell the sender (`permanent`), or keep it queued until an operator acts (`paused`, e.g. an
 * invalid Page token). `details` is stored on the message; it never holds secrets.
 */
export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryFailureKind,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** For `paused`: what must happen before sends resume ('token' = a new Page token). */
    readonly pauseCause?: 'token' | 'blocked',
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export type SenderAction = 'typing_on' | 'typing_off' | 'mark_seen';

export interface CustomerProfile {
  firstName?: string;
  lastName?: string;
  pictureUrl?: string;
  /** The customer's locale as Meta reports it (e.g. `de_DE`; Messenger's `locale`, needs `pages_user_locale`). */
  locale?: string;
  /** Instagram: the @username and follower count (where permitted). */
  username?: string;
  followerCount?: number;
  /** When the profile (e.g. its picture URL) stops being valid, epoch ms: it is fetched again then. */
  expiresAt?: number;
}

/** A channel's way out: implemented by each channel module and registered with the outbox. */
export interface OutboundSender {
  readonly channel: ChannelId;
  /** Sends one message; resolves with the channel's message id; throws `DeliveryError`. */
  send(target: OutboundTarget, message: OutboundMessage): Promise<{ mid?: string }>;
  /** Typing indicators and read marks: best effort, never awaited by a reply. */
  senderAction?(target: OutboundTarget, action: SenderAction): Promise<void>;
  /** The customer's public profile, best effort (undefined when not available). */
  fetchProfile?(target: OutboundTarget): Promise<CustomerProfile | undefined>;
}
