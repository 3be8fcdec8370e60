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
  @ApiPropertyOptional({ description: "The customer's locale as Meta reports it (e.g. de_DE), when the app may read it" }) locale?: string;
}

export class BotContextView {
  @ApiPropertyOptional({ description: "The bot's last recognised intent before the hand-over" }) intent?: string;
  @ApiPropertyOptional({ description: '0..1' }) confidence?: number;
}

export class LastMessageView {
  @ApiProperty({ enum: ['customer', 'bot', 'agent', 'system'] }) author!: MessageAuthor;
  @ApiProperty({ description: 'Text, or a short description of an attachment or template' }) preview!: string;
  @ApiProperty() at!: number;
}

export class ReplyWindowView {
  @ApiProperty({
    enum: ['open', 'human_agent', 'closed', 'none'],
    description:
      'open: inside the standard window (24 h, or 7 days from a first message after an ad); human_agent: only agent replies tagged HUMAN_AGENT (until `until`); closed: no reply possible (see `reason`); none: the channel has no window (comment threads)',
  })
  state!: 'open' | 'human_agent' | 'closed' | 'none';
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'When the current state ends (epoch ms)' }) until!: number | null;
  @ApiPropertyOptional({ type: String, description: 'Why no reply is possible (state `closed`), in words for the agent' }) reason?: string;
}

export class CsatView {
  @ApiProperty() askedAt!: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: '1 (bad) to 5 (great)' }) rating!: number | null;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'When the customer first wrote after the question (its answer; a message that is no rating leaves `rating` null)',
  })
  answeredAt!: number | null;
}

export class ConversationView {
  @ApiProperty() id!: string;
  @ApiProperty() channel!: string;
  @ApiProperty() pageId!: string;
  @ApiProperty({ enum: ['BOT', 'QUEUED', 'AGENT', 'CLOSED'] }) state!: ConversationState;
  @ApiProperty({ type: CustomerView }) customer!: CustomerView;
  @ApiPropertyOptional({ nullable: true, type: String }) handoverReason!: string | null;
  @ApiPropertyOptional({ type: BotContextView }) bot!: BotContextView;
  @ApiPropertyOptional({ nullable: true, type: Number }) queuedAt!: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) assignedAgentId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) assignedAt!: number | null;
  @ApiProperty({ description: 'Customer messages the assigned agent has not seen yet' }) unread!: number;
  @ApiProperty({ description: 'Whether a reply is inside the 24-hour messaging window' }) windowOpen!: boolean;
  @ApiProperty({ type: ReplyWindowView }) reply!: ReplyWindowView;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      "Another app controls this Messenger thread (Conversation Routing): its app id ('263902037430900' = the Page inbox), or 'unknown'. ccm's replies are refused meanwhile",
  })
  threadOwner!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: "The customer's last message (epoch ms)" }) lastCustomerAt!:
    number | null;
  @ApiPropertyOptional({ nullable: true, type: LastMessageView }) lastMessage!: LastMessageView | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Snoozed until (epoch ms); a customer message ends it' })
  snoozedUntil!: number | null;
  @ApiPropertyOptional({ nullable: true, type: CsatView }) csat!: CsatView | null;
  @ApiProperty() createdAt!: number;
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
  @ApiPropertyOptional({ nullable: true, type: String, description: "The agent's display name for messages written in the desk" })
  authorName!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) text!: string | null;
  @ApiPropertyOptional({ description: 'Outbound: the rich message; inbound: attachments', nullable: true, type: Object }) content!: unknown;
  @ApiProperty({ enum: ['received', 'queued', 'sent', 'delivered', 'read', 'failed'] }) status!: MessageStatus;
  @ApiPropertyOptional({ nullable: true, type: MessageErrorView }) error!: MessageErrorView | null;
  @ApiProperty() createdAt!: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) sentAt!: number | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: "The customer's current reaction to this message (an emoji)" })
  reaction!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'When the customer last edited this message (epoch ms)' })
  editedAt!: number | null;
}

/** What a view needs besides the row: the channel's reply window and the conversation's newest message. */
export interface ViewContext {
  replyWindow?: { standardMs: number; humanAgentMs?: number; adsMs?: number };
  lastMessage?: MessageRow;
}

/**
 * Where the conversation stands in the channel's reply window, as Meta decides it (the same rules as
 * the sender's `decideMessagingWindow`): open for `standardMs` after the customer's last event — or
 * `adsMs` after their first message following an ad —, then agent-only (HUMAN_AGENT) until
 * `humanAgentMs` when this deployment may use the tag, then closed.
 */
export function replyWindowState(
  lastCustomerAt: number | null,
  window: ViewContext['replyWindow'],
  now: number,
  adsMessageAt: number | null = null,
): ReplyWindowView {
  if (!window) return { state: 'none', until: null };
  if (lastCustomerAt === null)
    return { state: 'closed', until: null, reason: 'The customer has never written: Messenger allows no message to start a conversation.' };
  const standardUntil = Math.max(
    lastCustomerAt + window.standardMs,
    adsMessageAt !== null && window.adsMs !== undefined ? adsMessageAt + window.adsMs : 0,
  );
  if (now <= standardUntil) return { state: 'open', until: standardUntil };
  if (window.humanAgentMs !== undefined && now - lastCustomerAt <= window.humanAgentMs)
    return { state: 'human_agent', until: lastCustomerAt + window.humanAgentMs };
  return {
    state: 'closed',
    until: null,
    reason:
      window.humanAgentMs === undefined && now - lastCustomerAt <= HUMAN_AGENT_LIMIT_MS
        ? "The 24-hour reply window has closed and this deployment may not use Meta's HUMAN_AGENT tag (MESSENGER_HUMAN_AGENT_TAG): no reply until the customer writes again."
        : "The reply window has closed (7 days after the customer's last message): Messenger accepts no more replies until they write again.",
  };
}

/** Meta's HUMAN_AGENT limit (7 days), to explain a window closed early because the tag is off. */
const HUMAN_AGENT_LIMIT_MS = 7 * 24 * 60 * 60 * 1000;

export function previewOf(message: Pick<MessageRow, 'text' | 'content'>): string {
  if (message.text) return message.text;
  const content = parseJson(message.content) as {
    kind?: string;
    text?: string;
    mediaType?: string;
    cards?: unknown[];
    attachments?: { type?: string }[];
  } | null;
  if (content?.text) return content.text;
  if (content?.kind === 'carousel') return `Carousel (${content.cards?.length ?? 0} cards)`;
  if (content?.kind === 'media') return `[${content.mediaType ?? 'media'}]`;
  const types = (content?.attachments ?? []).map((a) => a.type ?? 'attachment');
  return types.length > 0 ? `[${types.join(', ')}]` : '';
}

export function conversationView(row: ConversationRow, unread: number, now = Date.now(), context: ViewContext = {}): ConversationView {
  const profile = parseStoredProfile(row.customer_profile);
  const name = [profile?.firstName, profile?.lastName].filter(Boolean).join(' ') || undefined;
  const last = context.lastMessage;
  return {
    id: row.id,
    channel: row.channel,
    pageId: row.page_id,
    state: row.state,
    customer: { id: row.customer_id, name, pictureUrl: profile?.pictureUrl, locale: profile?.locale },
    handoverReason: row.handover_reason,
    bot: { intent: row.bot_intent ?? undefined, confidence: row.bot_confidence ?? undefined },
    queuedAt: row.queued_at,
    assignedAgentId: row.assigned_agent_id,
    assignedAt: row.assigned_at,
    unread,
    windowOpen: row.last_user_event_at !== null && now - row.last_user_event_at < MESSAGING_WINDOW_MS,
    reply: replyWindowState(row.last_user_event_at, context.replyWindow, now, row.ads_message_at ?? null),
    threadOwner: row.thread_owner ?? null,
    lastCustomerAt: row.last_user_event_at,
    lastMessage: last ? { author: last.author, preview: previewOf(last).slice(0, 140), at: last.created_at } : null,
    snoozedUntil: row.snoozed_until !== null && row.snoozed_until > now ? row.snoozed_until : null,
    csat: row.csat_asked_at !== null ? { askedAt: row.csat_asked_at, rating: row.csat_rating, answeredAt: row.csat_answered_at } : null,
    createdAt: row.created_at,
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
    authorName: row.sent_by_name ?? null,
    text: row.text,
    content: parseJson(row.content),
    status: row.status,
    error: errorOf(row.error),
    createdAt: row.created_at,
    sentAt: row.sent_at,
    reaction: row.customer_reaction ?? null,
    editedAt: row.edited_at ?? null,
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
