import { Generated, Insertable, Selectable } from 'kysely';
import { ConversationState, MessageAuthor, MessageDirection, MessageStatus, RoutingPolicy } from '@app/core';

/** Times are epoch milliseconds (bigint columns, parsed to numbers on both dialects). */
export interface ConversationsTable {
  id: string;
  channel: string;
  page_id: string;
  customer_id: string;
  state: ConversationState;
  handover_reason: string | null;
  queued_at: number | null;
  /** Last user-originated event (message, postback, reaction, referral, optin): the 24-hour window. */
  last_user_event_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  /** The agent who owns the conversation in state AGENT. */
  assigned_agent_id: string | null;
  /** JSON: first_name, last_name, profile_pic from the User Profile API (best effort). */
  customer_profile: string | null;
  profile_fetched_at: number | null;
  /** Consecutive bot turns below the confidence threshold (hand-over after N, configurable). */
  low_confidence_streak: number;
  /** The queue position the customer was last told, and when they were told the wait is long. */
  queue_position_told: number | null;
  queue_timeout_told_at: number | null;
  created_at: number;
  updated_at: number;
  /** When the current owner got it (push or pull); nullable columns from migration 0100. */
  assigned_at: number | null;
  /** The last message the assigned agent has seen in the desk (unread counts start after it). */
  agent_seen_message_id: number | null;
  /** The bot's last intent/confidence before the hand-over, shown to the agent. */
  bot_intent: string | null;
  bot_confidence: number | null;
  /**
   * The same customer's conversation on another channel (e.g. a Page comment thread and the
   * Messenger conversation its private reply started), set on both sides; migration 0200.
   */
  linked_conversation_id: string | null;
  /** Desk (migration 0500): the agent who last put it back in the queue (skipped by the next push). */
  released_by_agent_id: string | null;
  /** Desk: hidden from the owner's list until then (a customer message ends it sooner). */
  snoozed_until: number | null;
  /** Desk: the satisfaction question sent at close, and the customer's answer (1-5). */
  csat_asked_at: number | null;
  csat_rating: number | null;
  csat_answered_at: number | null;
  /** The customer's first message after a click-to-Messenger/Direct ad (7-day window, Meta policy 2026-09-28); migration 0550. */
  ads_message_at: number | null;
  /** When the customer was last told they talk to an automated assistant (BOT_DISCLOSURE_MESSAGE); migration 0550. */
  bot_disclosed_at: number | null;
  /**
   * Conversation Routing: the app that owns the Messenger thread when it is not ccm (the Page inbox
   * `263902037430900`, another app's id, or `unknown` after Meta's 2018300); null = ccm (or idle). Migration 0554.
   */
  thread_owner: string | null;
  /**
   * When that app's control lapses if the thread stays quiet (Meta: control expires after 24 h without
   * activity; the thread goes idle and the Page's default app answers again). Null: no known expiry. Migration 0557.
   */
  thread_owner_expires_at: number | null;
  /**
   * When ccm last queued a message offering choices (buttons, quick replies, a numbered list) with no
   * customer message stored since (a bot turn clears it): the turn looks for a typed answer to them
   * only then. Null: none on offer. May be set with nothing on offer (never the reverse). Migration 0393.
   */
  choices_offered_at: number | null;
}

/** Health of a Page's credentials and standing, shared by all instances. */
export interface PageStatesTable {
  page_id: string;
  token_status: 'valid' | 'invalid';
  token_error: string | null;
  /** A replacement token set at run time (admin API); overrides the configured one. */
  access_token: string | null;
  blocked: number;
  block_reason: string | null;
  updated_at: number;
  /** `ok` | `missing` (app not subscribed, or fields missing) | null (not checked yet); migration 0552. */
  subscription_status: 'ok' | 'missing' | null;
  /** What is missing, e.g. "fields messages, messaging_postbacks". */
  subscription_problem: string | null;
  subscription_checked_at: number | null;
}

export interface MessagesTable {
  id: Generated<number>;
  conversation_id: string;
  direction: MessageDirection;
  author: MessageAuthor;
  text: string | null;
  /** JSON: the rich message (outbound) or attachments/payload (inbound). */
  content: string | null;
  /** Meta's message id (`mid` inbound, `message_id` from the Send API outbound). */
  mid: string | null;
  status: MessageStatus;
  attempts: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  /** JSON error (code, subcode, message, fbtrace_id) for failed sends — never containing tokens. */
  error: string | null;
  event_ts: number | null;
  created_at: number;
  sent_at: number | null;
  /** Desk (migration 0500): the agent who wrote an outbound message, and their display name then. */
  sent_by_agent_id: string | null;
  sent_by_name: string | null;
  /** Work-queue lease owner and claim number (migration 0300). */
  lease_owner: Generated<string | null>;
  lease_epoch: Generated<number>;
  /** Correlation id of the inbound event whose handling queued this message (logs); migration 0450. */
  correlation_id?: string | null;
  /** The customer's current reaction (emoji), when they set it, and when the message was last edited; migration 0501. */
  customer_reaction?: string | null;
  customer_reaction_at?: number | null;
  edited_at?: number | null;
  /** Meta's id of the customer message this outbound message answers (migration 0650). */
  reply_to_mid?: string | null;
}

export type InboundEventStatus = 'pending' | 'done' | 'dead';

export interface InboundEventsTable {
  id: Generated<number>;
  dedupe_key: string;
  channel: string;
  page_id: string;
  customer_id: string | null;
  conversation_id: string | null;
  kind: string;
  event_ts: number;
  /** JSON of the mapped InboundEvent (including the raw webhook item). */
  event: string;
  status: InboundEventStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  received_at: number;
  processed_at: number | null;
  /** Work-queue lease (migration 0300): who works on the event, until when, and which claim it is. */
  lease_owner: Generated<string | null>;
  lease_until: Generated<number | null>;
  lease_epoch: Generated<number>;
}

export interface ConversationEventsTable {
  id: Generated<number>;
  conversation_id: string;
  type: string;
  from_state: string | null;
  to_state: string | null;
  reason: string | null;
  actor: string;
  created_at: number;
}

/** `admin`: a supervisor who may also use the admin API (settings) with their desk login. */
export type AgentRole = 'agent' | 'supervisor' | 'admin';
/** Online (gets new chats), busy (keeps their chats, gets no new ones), away (offline: chats return after the grace period). */
export type AgentStatus = 'available' | 'busy' | 'away';

export interface AgentsTable {
  id: string;
  username: string;
  display_name: string;
  role: AgentRole;
  /** `scrypt$N$r$p$salt$hash` (see the agent desk's password hasher). */
  password_hash: string;
  status: AgentStatus;
  status_changed_at: number;
  /** Heartbeat while the agent has the desk open; stale means disconnected. */
  last_seen_at: number | null;
  /** Per-agent concurrency limit (null: AGENT_MAX_CHATS). */
  max_chats: number | null;
  disabled: number;
  created_at: number;
  updated_at: number;
  /** Tokens issued before this (epoch ms) are revoked: logout, disable, role change; migration 0451. */
  tokens_valid_after?: number | null;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  username: string;
  ip: string;
  failed_at: number;
}

/** `dead`: given up after the configured attempts or a permanent refusal (replayable by an operator). */
export type BridgeOutboxStatus = 'pending' | 'delivered' | 'dead';

/** Events for the external chat server, written before they are posted (retried until delivered). */
export interface BridgeOutboxTable {
  id: Generated<number>;
  dedupe_key: string;
  conversation_id: string;
  event_type: string;
  /** The message the event is about (for a hand-over: the last message of its transcript). */
  message_id: number | null;
  payload: string;
  status: BridgeOutboxStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
  /** Work-queue lease owner and claim number (migration 0300). */
  lease_owner: Generated<string | null>;
  lease_epoch: Generated<number>;
}

/** Run-time routing settings per Page (admin API); null fields fall back to the environment. */
export interface PageSettingsTable {
  page_id: string;
  routing_policy: RoutingPolicy | null;
  confidence_threshold: number | null;
  low_confidence_turns: number | null;
  /** Migration 0502: business hours spec ("" = always open; null = BUSINESS_HOURS), and JSON {channel: policy}. */
  business_hours?: string | null;
  channel_policies?: string | null;
  updated_at: number;
  updated_by: string;
}

/** Who changed what through the admin API, with the value before and after. */
export interface AdminAuditTable {
  id: Generated<number>;
  actor: string;
  action: string;
  target: string;
  before_value: string | null;
  after_value: string | null;
  created_at: number;
}

/** Reusable media uploaded to a Page (Meta's `attachment_id`, private to the Page, valid 90 days). */
export interface AttachmentCacheTable {
  page_id: string;
  url: string;
  attachment_id: string;
  uploaded_at: number;
}

export interface Database {
  attachment_cache: AttachmentCacheTable;
  page_settings: PageSettingsTable;
  admin_audit: AdminAuditTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  inbound_events: InboundEventsTable;
  conversation_events: ConversationEventsTable;
  page_states: PageStatesTable;
  agents: AgentsTable;
  login_failures: LoginFailuresTable;
  bridge_outbox: BridgeOutboxTable;
}

export type ConversationRow = Selectable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type InboundEventRow = Selectable<InboundEventsTable>;
export type ConversationEventRow = Selectable<ConversationEventsTable>;
export type PageStateRow = Selectable<PageStatesTable>;
export type AgentRow = Selectable<AgentsTable>;
export type BridgeOutboxRow = Selectable<BridgeOutboxTable>;
export type PageSettingsRow = Selectable<PageSettingsTable>;
export type AdminAuditRow = Selectable<AdminAuditTable>;
