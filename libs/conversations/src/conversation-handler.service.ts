import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentQueueService } from '@app/agent-bridge';
import { BOT_CONNECTOR, BotConnector, BotReply } from '@app/bot';
import { CcmConfig } from '@app/config';
import { InboundEvent, MessageAuthor } from '@app/core';
import { ConversationRow, PersistenceService, Repositories } from '@app/persistence';
import { decideRoute, RoutingPolicyService } from '@app/routing';
import { ConversationBus } from './conversation-bus.service';

/** Event kinds that are something the customer did: they (re)open the 24-hour window. */
const USER_ORIGINATED = new Set(['message', 'postback', 'quick_reply', 'reaction', 'referral', 'optin']);

/**
 * Applies one inbound event to its conversation: stores it, and for a customer's text decides who
 * answers (bot or agent queue). All writes of one event — the stored message, the state change, the
 * queued replies and the journal mark — commit together, so a crash or a redelivery never produces
 * a second reply.
 */
@Injectable()
export class ConversationHandler {
  private readonly logger = new Logger(ConversationHandler.name);

  constructor(
    private readonly persistence: PersistenceService,
    private readonly routing: RoutingPolicyService,
    private readonly agents: AgentQueueService,
    private readonly config: CcmConfig,
    @Inject(BOT_CONNECTOR) private readonly bot: BotConnector,
    private readonly bus: ConversationBus,
  ) {}

  async handle(journalId: number, event: InboundEvent, conversationId: string | undefined): Promise<void> {
    const now = Date.now();
    if (!conversationId) {
      this.logger.log(`page-level ${event.kind} event for page ${event.pageId} recorded`);
      await this.persistence.repos.journal.markDone(journalId, now);
      return;
    }
    const conversation = await this.persistence.repos.conversations.findById(conversationId);
    if (!conversation) throw new Error(`conversation ${conversationId} vanished`);
    const lastMessageId = (await this.persistence.repos.messages.lastId(conversation.id)) ?? 0;

    if (event.kind === 'message' && event.text !== undefined && !event.standby) {
      // The bot is asked outside the transaction: it may be slow or remote, and it has no side effects.
      const botTurn = conversation.state === 'BOT' || conversation.state === 'CLOSED' ? await this.askBot(conversation, event) : undefined;
      await this.persistence.transaction(async (repos) => {
        const isNew = await this.storeInbound(repos, conversation, event, now);
        if (isNew && botTurn) await this.route(repos, conversation, botTurn, now);
        await repos.journal.markDone(journalId, now);
      });
      await this.publishCommitted(conversation, lastMessageId);
      return;
    }

    let receipts: number[] = [];
    await this.persistence.transaction(async (repos) => {
      if (event.kind === 'message' || event.kind === 'echo') await this.storeInbound(repos, conversation, event, now);
      else if (USER_ORIGINATED.has(event.kind) && !event.standby) await this.noteUserEvent(repos, conversation, event.timestamp, now);
      else if ((event.kind === 'read' || event.kind === 'delivery') && event.watermark !== undefined && !event.standby) {
        receipts = await repos.messages.applyWatermark(conversation.id, event.kind === 'read' ? 'read' : 'delivered', event.watermark);
      }
      await repos.journal.markDone(journalId, now);
    });
    for (const messageId of receipts) {
      this.bus.publish({ type: 'message.status', conversationId: conversation.id, messageId, status: event.kind === 'read' ? 'read' : 'delivered' });
    }
    await this.publishCommitted(conversation, lastMessageId);
    this.logger.log(`${event.kind} event for conversation ${conversation.id} recorded`);
  }

  /** Tells the customer something went wrong (ERROR_MESSAGE_RESPONSE) when their message could not be handled. */
  async apologize(conversationId: string): Promise<void> {
    const conversation = await this.persistence.repos.conversations.findById(conversationId);
    if (!conversation) return;
    this.logger.error(`conversation ${conversationId}: message could not be handled; sending the error message`);
    await this.enqueue(this.persistence.repos, conversation, 'system', this.config.messages.error, Date.now());
  }

  private async askBot(conversation: ConversationRow, event: InboundEvent): Promise<BotReply | Error> {
    try {
      return await this.bot.reply({
        conversationId: conversation.id, pageId: conversation.page_id, customerId: conversation.customer_id,
        text: event.text ?? '', payload: event.payload,
      });
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private async storeInbound(repos: Repositories, conversation: ConversationRow, event: InboundEvent, now: number): Promise<boolean> {
    const isEcho = event.kind === 'echo';
    const inserted = await repos.messages.insertOnce({
      conversation_id: conversation.id, direction: isEcho ? 'out' : 'in', author: isEcho ? 'agent' : 'customer',
      text: event.text ?? null, content: event.attachments ? JSON.stringify({ attachments: event.attachments }) : null,
      mid: event.mid ?? null, status: isEcho ? 'sent' : 'received', attempts: 0, next_attempt_at: null, lease_until: null,
      error: null, event_ts: event.timestamp, created_at: now, sent_at: isEcho ? event.timestamp : null,
    });
    if (inserted && !isEcho && !event.standby) await this.noteUserEvent(repos, conversation, event.timestamp, now);
    return inserted;
  }

  private async noteUserEvent(repos: Repositories, conversation: ConversationRow, timestamp: number, now: number): Promise<void> {
    const current = (await repos.conversations.findById(conversation.id))?.last_user_event_at ?? 0;
    if (timestamp > current) await repos.conversations.update(conversation.id, { last_user_event_at: timestamp, updated_at: now });
  }

  private async route(repos: Repositories, conversation: ConversationRow, botTurn: BotReply | Error, now: number): Promise<void> {
    if (conversation.state === 'CLOSED') {
      await repos.conversations.update(conversation.id, { state: 'BOT', updated_at: now });
      await repos.conversationEvents.append({
        conversation_id: conversation.id, type: 'reopened', from_state: 'CLOSED', to_state: 'BOT', reason: 'customer wrote again', actor: 'customer', created_at: now,
      });
    }
    if (botTurn instanceof Error) {
      this.logger.error(`conversation ${conversation.id}: bot failed: ${botTurn.message}`);
      await this.enqueue(repos, conversation, 'system', this.config.messages.error, now);
      return;
    }
    const { policy, threshold } = this.routing.policyFor(conversation.page_id);
    const decision = decideRoute({ policy, threshold, ...botTurn });
    if (decision.action === 'reply') {
      for (const text of decision.texts) await this.enqueue(repos, conversation, 'bot', text, now);
      return;
    }
    const { notice } = await this.agents.handOver(repos, conversation.id, decision.reason, now, { intent: botTurn.intent, confidence: botTurn.confidence });
    await this.enqueue(repos, conversation, 'system', notice, now);
  }

  private async enqueue(repos: Repositories, conversation: ConversationRow, author: MessageAuthor, text: string, now: number): Promise<void> {
    await repos.messages.enqueue({
      conversation_id: conversation.id, author, text, content: JSON.stringify({ kind: 'text', text }), mid: null, attempts: 0,
      next_attempt_at: now, lease_until: null, error: null, event_ts: null, created_at: now, sent_at: null,
    });
  }

  /**
   * Tells live listeners (agent desk, chat-server bridge) what the committed unit of work changed:
   * messages created after `lastMessageId` and a state change. Re-read from the database, so only
   * committed facts are published.
   */
  private async publishCommitted(before: ConversationRow, lastMessageId: number): Promise<void> {
    const after = await this.persistence.repos.conversations.findById(before.id);
    const created = (await this.persistence.repos.messages.listForConversation(before.id)).filter((m) => m.id > lastMessageId);
    for (const m of created) this.bus.publish({ type: 'message.created', conversationId: before.id, messageId: m.id, direction: m.direction, author: m.author });
    if (after && after.state !== before.state) {
      this.bus.publish({ type: 'conversation.state', conversationId: before.id, from: before.state, to: after.state, reason: after.handover_reason ?? 'customer wrote' });
    }
  }
}
