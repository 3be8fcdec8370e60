import { parseStoredProfile } from '@app/agent-desk';
import { ConversationRow, MessageRow } from '@app/persistence';
import { BridgeConversation, BridgeCustomer, BridgeEvent, BridgeMessage } from './bridge-event.types';

/** Pure builders of bridge payloads from database rows (one place for the wire format). */
export function bridgeConversation(row: ConversationRow): BridgeConversation {
  return {
    id: row.id,
    channel: row.channel,
    pageId: row.page_id,
    customerId: row.customer_id,
    state: row.state,
    handoverReason: row.handover_reason,
    bot: { intent: row.bot_intent, confidence: row.bot_confidence },
  };
}

export function bridgeCustomer(row: ConversationRow): BridgeCustomer {
  const profile = parseStoredProfile(row.customer_profile) ?? {};
  return { id: row.customer_id, firstName: profile.firstName, lastName: profile.lastName, pictureUrl: profile.pictureUrl };
}

export function bridgeMessage(row: MessageRow): BridgeMessage {
  let content: unknown;
  try {
    content = row.content ? (JSON.parse(row.content) as unknown) : null;
  } catch {
    content = null;
  }
  return { id: row.id, direction: row.direction, author: row.author, text: row.text, content, createdAt: row.created_at };
}

export function handoverEvent(id: string, row: ConversationRow, transcript: readonly MessageRow[], now: number): BridgeEvent {
  return {
    id,
    type: 'conversation.handover',
    occurredAt: now,
    conversation: bridgeConversation(row),
    customer: bridgeCustomer(row),
    transcript: transcript.map(bridgeMessage),
  };
}

export function customerMessageEvent(id: string, row: ConversationRow, message: MessageRow, now: number): BridgeEvent {
  return {
    id,
    type: 'message.created',
    occurredAt: now,
    conversation: bridgeConversation(row),
    customer: bridgeCustomer(row),
    message: bridgeMessage(message),
  };
}

export function closedEvent(id: string, row: ConversationRow, outcome: 'closed' | 'returned_to_bot', by: string, now: number): BridgeEvent {
  return {
    id,
    type: 'conversation.closed',
    occurredAt: now,
    conversation: bridgeConversation(row),
    customer: bridgeCustomer(row),
    closed: { outcome, by },
  };
}
