/** The JSON the chat server receives (schema: docs/chat-server-bridge.schema.json). */
export type BridgeEventType = 'conversation.handover' | 'message.created' | 'conversation.closed';

export interface BridgeMessage {
  id: number;
  direction: 'in' | 'out';
  author: 'customer' | 'bot' | 'agent' | 'system';
  text: string | null;
  /** Outbound: the rich message; inbound: `{ attachments }` when the customer sent media. */
  content: unknown;
  createdAt: number;
}

export interface BridgeConversation {
  id: string;
  channel: string;
  pageId: string;
  customerId: string;
  state: string;
  handoverReason: string | null;
  bot: { intent: string | null; confidence: number | null };
}

export interface BridgeCustomer {
  id: string;
  firstName?: string;
  lastName?: string;
  pictureUrl?: string;
}

export interface BridgeEvent {
  /** Unique per event; receivers deduplicate on it (delivery is at-least-once). */
  id: string;
  type: BridgeEventType;
  occurredAt: number;
  conversation: BridgeConversation;
  customer: BridgeCustomer;
  /** conversation.handover: every message so far, oldest first. */
  transcript?: BridgeMessage[];
  /** message.created: the customer's message. */
  message?: BridgeMessage;
  /** conversation.closed: `closed` or `returned_to_bot`, and who did it. */
  closed?: { outcome: 'closed' | 'returned_to_bot'; by: string };
}
