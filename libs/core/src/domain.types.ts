/**
 * Channel-neutral domain types shared by every lib. Nothing in here knows about Nest, HTTP or Meta.
 */

/** Which channel a conversation lives on. A channel module owns its id. */
export type ChannelId = 'messenger' | (string & { readonly __channel?: unique symbol });

export type ConversationState = 'BOT' | 'QUEUED' | 'AGENT' | 'CLOSED';

export type MessageDirection = 'in' | 'out';

export type MessageAuthor = 'customer' | 'bot' | 'agent' | 'system';

/** Outbound delivery state; inbound messages are `received`. */
export type MessageStatus = 'received' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

/**
 * Who answers: DEFAULT (the bot, agents below the confidence threshold or on request), BOT_ONLY (never
 * an agent), AGENT_ONLY (every conversation goes to agents; for teams without a bot).
 */
export type RoutingPolicy = 'DEFAULT' | 'BOT_ONLY' | 'AGENT_ONLY';
export const ROUTING_POLICIES: readonly RoutingPolicy[] = ['DEFAULT', 'BOT_ONLY', 'AGENT_ONLY'];

/** Identifies one customer thread: the same person has a different id on every Page. */
export interface ConversationKey {
  channel: ChannelId;
  pageId: string;
  customerId: string;
}

/** An agent counts as present while their desk has been seen within this time (heartbeats). */
export const AGENT_PRESENCE_TTL_MS = 15_000;
