import { Injectable } from '@nestjs/common';
import { ConversationState, ExtensionPoint, Extensions, OutboundContent } from '@app/core';
import { ConversationRow } from '@app/persistence';
import { ConversationUnit } from './conversation-unit';

/**
 * What other modules are told about a conversation, inside the transaction of the change, so that
 * whatever they write (the chat-server bridge's outbox, a channel's own table) commits with it or
 * not at all. Work that must wait for the commit (a network call) goes to `unit.afterCommit`.
 * Every method is optional; a hook reacts only to what concerns it (e.g. its own channel).
 */
export interface ConversationHooks {
  /**
   * A customer message was stored (before the turn is routed). `conversation` is the row as read before
   * the event; `content` is the message's stored `content` column (attachments, choice), so a hook
   * that only looks at it need not read the message again.
   */
  customerMessageStored?(unit: ConversationUnit, conversation: ConversationRow, messageId: number, content: string | null): Promise<void>;
  /** The conversation was put in the agent queue (state already QUEUED in this transaction). */
  handedOver?(unit: ConversationUnit, conversation: ConversationRow, reason: string): Promise<void>;
  /** An agent closed the conversation or returned it to the bot (`to`), by `by`. */
  closed?(unit: ConversationUnit, conversation: ConversationRow, to: ConversationState, by: string): Promise<void>;
  /**
   * The bot's answer `content` was queued as `messageIds` (in this transaction), e.g. so the media store
   * records that they send one of its files (retention keeps it until the delayed send).
   */
  outboundQueued?(
    unit: ConversationUnit,
    conversation: ConversationRow,
    messageIds: readonly number[],
    content: OutboundContent,
  ): Promise<void>;
}

/** Where conversation hooks plug in: `@Extends(CONVERSATION_HOOKS)` on a provider. */
export const CONVERSATION_HOOKS = new ExtensionPoint<ConversationHooks>('conversation-hooks');

/** Calls every hook, in module order. */
@Injectable()
export class ConversationHookRunner {
  constructor(private readonly extensions: Extensions) {}

  async customerMessageStored(
    unit: ConversationUnit,
    conversation: ConversationRow,
    messageId: number,
    content: string | null,
  ): Promise<void> {
    for (const hook of this.hooks()) await hook.customerMessageStored?.(unit, conversation, messageId, content);
  }

  async handedOver(unit: ConversationUnit, conversation: ConversationRow, reason: string): Promise<void> {
    for (const hook of this.hooks()) await hook.handedOver?.(unit, conversation, reason);
  }

  async closed(unit: ConversationUnit, conversation: ConversationRow, to: ConversationState, by: string): Promise<void> {
    for (const hook of this.hooks()) await hook.closed?.(unit, conversation, to, by);
  }

  async outboundQueued(
    unit: ConversationUnit,
    conversation: ConversationRow,
    messageIds: readonly number[],
    content: OutboundContent,
  ): Promise<void> {
    for (const hook of this.hooks()) await hook.outboundQueued?.(unit, conversation, messageIds, content);
  }

  private hooks(): readonly ConversationHooks[] {
    return this.extensions.get(CONVERSATION_HOOKS);
  }
}
