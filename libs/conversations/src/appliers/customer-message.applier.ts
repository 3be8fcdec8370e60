import { Inject, Injectable } from '@nestjs/common';
import { BOT_CONNECTOR, BotConnector, BotReply } from '@app/bot';
import { CcmConfig } from '@app/config';
import { Extends, InboundEvent } from '@app/core';
import { THREAD_CONTROL_IDLE_MS } from '@app/meta';
import { ConversationRow } from '@app/persistence';
import { asksForPerson, RoutingPolicyService, RoutingSettings } from '@app/routing';
import { parseChoice } from '@app/templates';
import { botDisclosureDue } from '../bot-disclosure';
import { ChannelRegistry } from '../channel-registry.service';
import { ConversationHookRunner } from '../conversation-hooks';
import { ConversationUnit } from '../conversation-unit';
import { ConversationEventApplier, INBOUND_APPLIERS } from '../inbound-applier';
import { targetOf } from '../outbox-dispatcher.service';
import { decideTurn, NO_BOT_REPLY } from '../turn/customer-turn';
import { TurnWriter } from '../turn/turn-writer';
import { showTypingWhileSlow } from '../turn/typing-indicator';

/** What a customer turn needs from before its transaction: the routing settings and the bot's answer. */
export interface PreparedTurn {
  settings: RoutingSettings;
  customerAskedForPerson: boolean;
  bot: BotReply | Error;
}

/**
 * A customer's message or pressed button: stored once (a redelivery changes nothing), counted as the
 * customer writing, told to the conversation hooks, and — when the bot has the conversation — turned
 * into the bot's answer, a fallback or a hand-over by the customer-turn decision.
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class CustomerMessageApplier implements ConversationEventApplier<PreparedTurn | undefined> {
  readonly scope = 'conversation';
  readonly kinds = ['message', 'postback'] as const;

  constructor(
    private readonly routing: RoutingPolicyService,
    private readonly config: CcmConfig,
    private readonly channels: ChannelRegistry,
    private readonly writer: TurnWriter,
    private readonly hooks: ConversationHookRunner,
    @Inject(BOT_CONNECTOR) private readonly bot: BotConnector,
  ) {}

  /**
   * The routing settings in force and the bot's answer, asked outside the transaction (the bot may be
   * slow or remote, and has no side effects), and not at all under AGENT_ONLY.
   */
  async prepare(event: InboundEvent, conversation: ConversationRow): Promise<PreparedTurn | undefined> {
    if (!wantsBotTurn(conversation, event)) return undefined;
    const settings = await this.routing.settingsFor(conversation.page_id, conversation.channel);
    const customerAskedForPerson = asksForPerson(
      event.text,
      event.payload,
      this.config.routing.handoverPhrases,
      this.config.routing.handoverPayload,
    );
    if (settings.policy === 'AGENT_ONLY') return { settings, customerAskedForPerson, bot: NO_BOT_REPLY };
    const sender = this.channels.sender(conversation.channel);
    const bot = await showTypingWhileSlow(this.askBot(conversation, event), async () => {
      await sender.senderAction?.(targetOf(conversation), 'mark_seen');
      await sender.senderAction?.(targetOf(conversation), 'typing_on');
    });
    return { settings, customerAskedForPerson, bot };
  }

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow, turn: PreparedTurn | undefined): Promise<void> {
    const messageId = await this.store(unit, conversation, event);
    if (messageId === undefined) return; // a redelivery: everything it caused is already committed
    if (event.userOriginated) await unit.noteCustomerActivity(conversation.id, event.timestamp);
    // Conversation Routing: a standby message means another app owns the thread; a message in
    // `messaging[]` means ccm owns it again.
    // Activity in the thread keeps the other app's control from lapsing (24 h without activity).
    if (event.standby)
      await unit.repos.conversations.update(conversation.id, {
        thread_owner: conversation.thread_owner ?? 'unknown',
        thread_owner_expires_at: event.timestamp + THREAD_CONTROL_IDLE_MS,
      });
    if (!event.standby && event.userOriginated && conversation.thread_owner)
      await unit.repos.conversations.update(conversation.id, { thread_owner: null, thread_owner_expires_at: null });
    // A message right after an ad click opens Meta's ads window (up to 7 days from it).
    if (event.userOriginated && event.fromAd) await unit.repos.conversations.update(conversation.id, { ads_message_at: event.timestamp });
    // The agent side sees it in the same unit of work (e.g. the chat-server bridge's outbox): never lost.
    await this.hooks.customerMessageStored(unit, conversation, messageId);
    if (!turn) return;
    const plan = decideTurn({
      state: conversation.state,
      lowConfidenceStreak: conversation.low_confidence_streak,
      settings: turn.settings,
      customerAskedForPerson: turn.customerAskedForPerson,
      bot: turn.bot,
      noAgentFallback: this.config.queue.noAgentFallback,
      agentAvailability: this.config.queue.noAgentFallback === 'bot' ? await this.writer.agentAvailability(unit) : undefined,
      texts: { error: this.config.messages.error, noAgent: this.config.queue.noAgentMessage },
      disclosure: this.config.messages.botDisclosure && botDisclosureDue(conversation) ? this.config.messages.botDisclosure : undefined,
    });
    await this.writer.apply(unit, conversation, plan);
  }

  private async askBot(conversation: ConversationRow, event: InboundEvent): Promise<BotReply | Error> {
    try {
      return await this.bot.reply({
        conversationId: conversation.id,
        pageId: conversation.page_id,
        customerId: conversation.customer_id,
        text: event.text ?? '',
        payload: event.payload === undefined ? undefined : (parseChoice({ payload: event.payload })?.payload ?? event.payload),
      });
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Stores the message; undefined when it was stored before. */
  private async store(unit: ConversationUnit, conversation: ConversationRow, event: InboundEvent): Promise<number | undefined> {
    // A pressed button or quick reply is kept as a structured choice ("customer pressed 'Track order'").
    const choice =
      event.payload !== undefined
        ? parseChoice(
            event.kind === 'postback' ? { payload: event.payload, title: event.text } : { payload: event.payload, text: event.text },
          )
        : undefined;
    // A standby message (another app owns the thread) is kept read-only: shown, never answered.
    const content =
      event.attachments || choice || event.standby
        ? JSON.stringify({
            attachments: event.attachments,
            payload: choice?.payload,
            choice,
            kind: event.kind,
            ...(event.standby ? { standby: true } : {}),
          })
        : null;
    const id = await unit.repos.messages.insertOnce({
      conversation_id: conversation.id,
      direction: 'in',
      author: 'customer',
      text: event.text ?? null,
      content,
      mid: event.mid ?? null,
      status: 'received',
      attempts: 0,
      next_attempt_at: null,
      lease_until: null,
      error: null,
      event_ts: event.timestamp,
      created_at: unit.now,
      sent_at: null,
    });
    if (id !== undefined)
      unit.publish({ type: 'message.created', conversationId: conversation.id, messageId: id, direction: 'in', author: 'customer' });
    return id;
  }
}

/** Whether the bot takes this turn: a customer's own question while the bot (or nobody) has the conversation. */
function wantsBotTurn(conversation: ConversationRow, event: InboundEvent): boolean {
  if (event.standby || !event.userOriginated) return false; // another app owns the thread: record only
  if (conversation.state !== 'BOT' && conversation.state !== 'CLOSED') return false; // an agent (or the queue) has it
  if (event.kind === 'postback') return true;
  if (event.kind !== 'message') return false;
  if (event.text !== undefined || event.payload !== undefined) return true;
  return (event.attachments ?? []).length > 0 && !event.acknowledgement;
}
