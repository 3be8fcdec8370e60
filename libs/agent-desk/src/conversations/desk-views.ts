import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ConversationState, MessageAuthor, MessageDirection, MessageStatus } from '@app/core';
import { ConversationRow, MessageRow } from '@app/persistence';
import { parseStoredProfile } from '../sender-actions/customer-channel-actions';

/** Meta's standard messaging window: replies are allowed within 24 hours of the customer's last message. */
export const MESSAGING_WINDOW_MS = 24 * 60 * 60 * 1000;

export class CustomerView {
  @ApiProperty({ description: 'Channel-scoped customer id (Messenger PSID)' }) id!: string;
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional() pictureUrl?: string;
}

export class BotContextView {
  @ApiPropertyOptional({ description: "The bot's last recognised intent before the hand-over" }) intent?: string;
  @ApiPropertyOptional({ description: '0..1' }) confidence?: number;
}

export class ConversationView {
  @ApiProperty() id!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({ enum: ['BOT', 'QUEUED', 'AGENT', 'CLOSED'] }) state!: ConversationState;
  @ApiProperty({ type: CustomerView }) customer!: CustomerView;
  @ApiPropertyOptional({ nullable: true, type: String }) handoverReason!: string | null;
  @ApiPropertyOptional({ type: BotContextView }) bot!: BotContextView;
  @ApiPropertyOptional({ nullable: true, type: Number }) queuedAt!: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) assignedAgentId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) assignedAt!: number | null;
  @ApiProperty({ description: 'Customer messages the assigned agent has not seen yet' }) unread!: number;
  @ApiProperty({ description: 'Whether a reply is inside the 24-hour messaging window' }) windowOpen!: boolean;
  @ApiProperty() updatedAt!: number;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      "The same customer's conversation on another channel (a comment thread ↔ the Messenger conversation its private reply started)",
  })
  linkedConversationId!: string | null;
}

export class MessageErrorView {
  @ApiProperty() message!: string;
  @ApiPropertyOptional() code?: number;
}

export class MessageView {
  @ApiProperty() id!: number;
  @ApiProperty() conversationId!: string;
  @ApiProperty({ enum: ['in', 'out'] }) direction!: MessageDirection;
  @ApiProperty({ enum: ['customer', 'bot', 'agent', 'system'] }) author!: MessageAuthor;
  @ApiPropertyOptional({ nullable: true, type: String }) text!: string | null;
  @ApiPropertyOptional({ description: 'Outbound: the rich message; inbound: attachments', nullable: true, type: Object }) content!: unknown;
  @ApiProperty({ enum: ['received', 'queued', 'sent', 'delivered', 'read', 'failed'] }) status!: MessageStatus;
  @ApiPropertyOptional({ nullable: true, type: MessageErrorView }) error!: MessageErrorView | null;
  @ApiProperty() createdAt!: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) sentAt!: number | null;
}

export function conversationView(row: ConversationRow, unread: number, now = Date.now()): ConversationView {
  const profile = parseStoredProfile(row.customer_profile);
  const name = [profile?.firstName, profile?.lastName].filter(Boolean).join(' ') || undefined;
  return {
    id: row.id,
    channel: row.channel,
    state: row.state,
    customer: { id: row.customer_id, name, pictureUrl: profile?.pictureUrl },
    handoverReason: row.handover_reason,
    bot: { intent: row.bot_intent ?? undefined, confidence: row.bot_confidence ?? undefined },
    queuedAt: row.queued_at,
    assignedAgentId: row.assigned_agent_id,
    assignedAt: row.assigned_at,
    unread,
    windowOpen: row.last_user_event_at !== null && now - row.last_user_event_at < MESSAGING_WINDOW_MS,
    updatedAt: row.updated_at,
    linkedConversationId: row.linked_conversation_id ?? null,
  };
}

export function messageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    direction: row.direction,
    author: row.author,
    text: row.text,
    content: parseJson(row.content),
    status: row.status,
    error: errorOf(row.error),
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

function parseJson(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function errorOf(text: string | null): MessageErrorView | null {
  if (!text) return null;
  const parsed = parseJson(text) as { message?: unknown; code?: unknown } | null;
  return {
    message: typeof parsed?.message === 'string' ? parsed.message : text,
    ...(typeof parsed?.code === 'number' && { code: parsed.code }),
  };
}
