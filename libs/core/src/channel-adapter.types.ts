import { ChannelId } from './domain.types';
import { ExtensionPoint } from './extensions';
import { InboundEvent } from './inbound-event.types';
import { OutboundSender, OutboundTarget } from './outbound.types';

/**
 * The channel extension point. A channel is one Nest module whose adapter implements this interface
 * and is marked `@Extends(CHANNELS)`; the `ChannelRegistry` finds it. The core
 * (webhook, journal, processing, routing, outbox, agent desk) only ever talks to channels through it,
 * so adding a channel adds a module and never a case in a central switch.
 *
 * See `docs/adding-a-channel.md` for a walk-through (the Page comments module) and
 * `npm run generate:channel -- <name>` for a scaffold.
 */
export interface ChannelAdapter extends OutboundSender {
  /** What the channel is and can do, as data (the desk reads it to decide which buttons to show). */
  readonly descriptor: ChannelDescriptor;
  /** How the channel takes in Meta webhooks posted to `WEBHOOK_PATH_PREFIX`; absent for outbound-only channels. */
  readonly webhook?: ChannelWebhook;
  /** Channel-specific actions beyond sending (reply publicly, like, hide…); absent when there are none. */
  readonly actions?: ChannelActions;
}

/** Where channel adapters plug in (a bare `OutboundSender` for outbound-only channels). */
export const CHANNELS = new ExtensionPoint<OutboundSender | ChannelAdapter>('channels');

export interface ChannelDescriptor {
  id: ChannelId;
  displayName: string;
  /** Where the platform documents this channel's webhook and API. */
  docsUrl: string;
  capabilities: ChannelCapabilities;
}

/** What a channel supports. Anything false is refused (or degraded) locally, with a clear reason. */
export interface ChannelCapabilities {
  /** Buttons, cards, quick replies, media; when false, rich messages are sent as plain text. */
  richTemplates: boolean;
  typingIndicators: boolean;
  readReceipts: boolean;
  /**
   * Every message the Page sends comes back as an echo webhook carrying the `metadata` ccm set
   * (Messenger `message_echoes`): a send interrupted by a crash is confirmed by its echo instead of
   * being sent twice. Without echoes such a send is repeated (at-least-once).
   */
  sendEchoes?: boolean;
  /** The actions `ChannelActions.perform` accepts. */
  actions: readonly ChannelActionName[];
  /**
   * Sends a file kept in ccm's media store by uploading its bytes (Messenger's Attachment Upload API,
   * multipart `filedata`), so an agent's upload needs no public address Meta fetches it from. Without
   * it, such a file goes only by its public link (MEDIA_PUBLIC_BASE_URL).
   */
  mediaUpload?: boolean;
  /**
   * Everything the Page sends is public (a comment thread): notices meant for the customer alone —
   * their place in the agent queue, a long wait — are not sent there.
   */
  publicReplies?: boolean;
  /**
   * How long after the customer's last message the business may reply (Messenger: 24 h, then 7 days
   * with the HUMAN_AGENT tag; 7 days from a first message after a click-to-Messenger ad: `adsMs`);
   * absent: no window (e.g. comment threads). Shown to agents by the desk.
   */
  replyWindow?: { standardMs: number; humanAgentMs?: number; adsMs?: number };
}

/** Meta's webhook body after the signature check and JSON parse: `{ object, entry: [...] }`. */
export interface WebhookEntry {
  readonly [key: string]: unknown;
}

export interface ChannelWebhook {
  /** The `object` values of the Meta webhook this channel reads (e.g. `page`). */
  readonly objects: readonly string[];
  /**
   * Whether this channel understands (a part of) the entry, e.g. Messenger: `messaging[]`/`standby[]`,
   * Page comments: `changes[]` with `field: "feed"`. One entry may be claimed by several channels; each
   * maps only its own part.
   */
  claims(object: string, entry: WebhookEntry): boolean;
  /**
   * Maps the claimed entries to channel-neutral events (written to the journal before the webhook is
   * acknowledged). Total: bad input is reported in `skipped`, never thrown. Events of Pages this
   * deployment does not serve are left out (and reported in `ignored`).
   */
  map(object: string, entries: readonly WebhookEntry[]): Promise<ChannelWebhookMapping>;
}

export interface ChannelWebhookMapping {
  events: InboundEvent[];
  /** Items that could not be understood: logged, the rest of the batch is kept. */
  skipped: { reason: string; pageId?: string }[];
  /** Page ids whose events were ignored because the Page is not configured. */
  ignoredPages?: string[];
}

export type ChannelActionName = 'public_reply' | 'private_reply' | 'like' | 'unlike' | 'hide' | 'unhide' | 'delete';
export const CHANNEL_ACTION_NAMES: readonly ChannelActionName[] = [
  'public_reply',
  'private_reply',
  'like',
  'unlike',
  'hide',
  'unhide',
  'delete',
];

export interface ChannelActionRequest {
  action: ChannelActionName;
  /** The item acted on (a comment id); when absent, the channel picks the customer's latest item. */
  itemId?: string;
  /** For replies. */
  text?: string;
}

export interface ChannelActionOutcome {
  action: ChannelActionName;
  itemId: string;
  /** The new item's id (a public reply's comment id, a private reply's message id). */
  createdId?: string;
  /** A conversation the action started or continued elsewhere (private reply → Messenger). */
  linkedConversationId?: string;
}

/** Who asked for an action (kept in the audit trail). */
export interface ChannelActor {
  kind: 'agent' | 'bot';
  id: string;
}

export interface ChannelActions {
  perform(target: OutboundTarget, request: ChannelActionRequest, actor: ChannelActor): Promise<ChannelActionOutcome>;
}

export type ChannelActionErrorCode = 'UNSUPPORTED' | 'REFUSED' | 'NOT_FOUND' | 'FAILED';

/**
 * An action the channel would not (or could not) do. `REFUSED` is a platform rule enforced locally
 * (e.g. a second private reply to one comment); the message says which rule, for the agent.
 */
export class ChannelActionError extends Error {
  constructor(
    readonly code: ChannelActionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelActionError';
  }
}
