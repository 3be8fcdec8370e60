import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HandoverObserver } from '@app/agent-bridge';
import { DeskCloseObserver, DeskConversationsService } from '@app/agent-desk';
import { ConversationState } from '@app/core';
import { ConversationBus, ConversationBusEvent } from '@app/conversations';
import { ConversationRow, PersistenceService, Repositories } from '@app/persistence';
import { closedEvent, customerMessageEvent, handoverEvent } from './bridge-event.builder';

/**
 * Decides what the external chat server is told and writes it to the bridge outbox. Hand-overs and
 * closes are written in the same transaction as the state change (nothing lost, nothing phantom);
 * customer messages are written when the committed message is published, with the message id as
 * the dedupe key so a repeat publish adds nothing.
 */
@Injectable()
export class ChatServerEventsService extends DeskCloseObserver implements HandoverObserver, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChatServerEventsService.name);
  private unsubscribe?: () => void;

  constructor(
    private readonly persistence: PersistenceService,
    private readonly bus: ConversationBus,
    private readonly desk: DeskConversationsService,
  ) {
    super();
  }

  onModuleInit(): void {
    this.desk.observeCloses(this);
    this.unsubscribe = this.bus.subscribe((event) => this.onBusEvent(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  async onHandover(repos: Repositories, conversationId: string, _reason: string, now: number): Promise<void> {
    const conversation = await repos.conversations.findById(conversationId);
    if (!conversation) return;
    const transcript = await repos.messages.listForConversation(conversationId);
    const id = randomUUID();
    await repos.bridgeOutbox.add({
      dedupeKey: `handover:${conversationId}:${now}`, conversationId, eventType: 'conversation.handover', messageId: transcript.at(-1)?.id ?? null,
      payload: JSON.stringify(handoverEvent(id, conversation, transcript, now)), now,
    });
  }

  async onClosed(repos: Repositories, conversation: ConversationRow, to: ConversationState, by: string, now: number): Promise<void> {
    const after = { ...conversation, state: to };
    const id = randomUUID();
    await repos.bridgeOutbox.add({
      dedupeKey: `closed:${conversation.id}:${now}`, conversationId: conversation.id, eventType: 'conversation.closed', messageId: null,
      payload: JSON.stringify(closedEvent(id, after, to === 'BOT' ? 'returned_to_bot' : 'closed', by, now)), now,
    });
  }

  private async onBusEvent(event: ConversationBusEvent): Promise<void> {
    if (event.type !== 'message.created' || event.direction !== 'in' || event.author !== 'customer') return;
    const repos = this.persistence.repos;
    const conversation = await repos.conversations.findById(event.conversationId);
    if (!conversation || (conversation.state !== 'QUEUED' && conversation.state !== 'AGENT')) return;
    // Already part of the hand-over's transcript (the message that caused the hand-over).
    const handover = await repos.bridgeOutbox.lastOfType(conversation.id, 'conversation.handover');
    if (!handover || (handover.message_id !== null && handover.message_id >= event.messageId)) return;
    const message = await repos.messages.findById(event.messageId);
    if (!message) return;
    const now = Date.now();
    await repos.bridgeOutbox.add({
      dedupeKey: `message:${message.id}`, conversationId: conversation.id, eventType: 'message.created', messageId: message.id,
      payload: JSON.stringify(customerMessageEvent(randomUUID(), conversation, message, now)), now,
    });
    this.logger.debug(`customer message ${message.id} queued for the chat server`);
  }
}
