import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConversationState, Extends } from '@app/core';
import { CONVERSATION_HOOKS, ConversationHooks, ConversationUnit } from '@app/conversations';
import { ConversationRow } from '@app/persistence';
import { closedEvent, customerMessageEvent, handoverEvent } from './bridge-event.builder';

/**
 * Decides what the external chat server is told and writes it to the bridge outbox, always in the
 * same transaction as the change itself (hand-over, close, stored customer message): nothing lost,
 * nothing phantom. The message id is the dedupe key of a customer message.
 */
@Injectable()
@Extends(CONVERSATION_HOOKS)
export class ChatServerEventsService implements ConversationHooks {
  private readonly logger = new Logger(ChatServerEventsService.name);

  async handedOver({ repos, now }: ConversationUnit, queued: ConversationRow): Promise<void> {
    const conversationId = queued.id;
    const conversation = await repos.conversations.findById(conversationId);
    if (!conversation) return;
    const transcript = await repos.messages.listForConversation(conversationId);
    const id = randomUUID();
    await repos.bridgeOutbox.add({
      dedupeKey: `handover:${conversationId}:${now}`,
      conversationId,
      eventType: 'conversation.handover',
      messageId: transcript.at(-1)?.id ?? null,
      payload: JSON.stringify(handoverEvent(id, conversation, transcript, now)),
      now,
    });
  }

  async closed({ repos, now }: ConversationUnit, conversation: ConversationRow, to: ConversationState, by: string): Promise<void> {
    const after = { ...conversation, state: to };
    const id = randomUUID();
    await repos.bridgeOutbox.add({
      dedupeKey: `closed:${conversation.id}:${now}`,
      conversationId: conversation.id,
      eventType: 'conversation.closed',
      messageId: null,
      payload: JSON.stringify(closedEvent(id, after, to === 'BOT' ? 'returned_to_bot' : 'closed', by, now)),
      now,
    });
  }

  async customerMessageStored({ repos, now }: ConversationUnit, stored: ConversationRow, messageId: number): Promise<void> {
    const conversation = await repos.conversations.findById(stored.id);
    // With the bot: not the chat server's business (a later hand-over carries the whole transcript).
    if (!conversation || (conversation.state !== 'QUEUED' && conversation.state !== 'AGENT')) return;
    // Already part of the hand-over's transcript (the message that caused the hand-over).
    const handover = await repos.bridgeOutbox.lastOfType(conversation.id, 'conversation.handover');
    if (!handover || (handover.message_id !== null && handover.message_id >= messageId)) return;
    const message = await repos.messages.findById(messageId);
    if (!message) return;
    await repos.bridgeOutbox.add({
      dedupeKey: `message:${message.id}`,
      conversationId: conversation.id,
      eventType: 'message.created',
      messageId: message.id,
      payload: JSON.stringify(customerMessageEvent(randomUUID(), conversation, message, now)),
      now,
    });
    this.logger.debug(`customer message ${message.id} queued for the chat server`);
  }
}
