import { Inject, Injectable, Logger } from '@nestjs/common';
import { BOT_CONNECTOR, BotConnector, BotReply } from '@app/bot';
import { CcmConfig } from '@app/config';
import { Extends, InboundEvent, RichMessage } from '@app/core';
import { THREAD_CONTROL_IDLE_MS } from '@app/meta';
import { ConversationRow, PersistenceService } from '@app/persistence';
import { asksForPerson, RoutingPolicyService, RoutingSettings } from '@app/routing';
import { listChoiceOptions, matchTypedChoice, ParsedChoice, parseChoice } from '@app/templates';
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
  /** A typed answer ("2", or an option's title) to the choices ccm offered last: taken as that choice. */
  typedChoice?: ParsedChoice;
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
  private readonly logger = new Logger(CustomerMessageApplier.name);

  constructor(
    private readonly routing: RoutingPolicyService,
    private readonly config: CcmConfig,
    private readonly channels: ChannelRegistry,
    private readonly writer: TurnWriter,
    private readonly hooks: ConversationHookRunner,
    private readonly persistence: PersistenceService,
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
    const typedChoice = await this.typedChoice(conversation, event);
    if (settings.policy === 'AGENT_ONLY') return { settings, customerAskedForPerson, bot: NO_BOT_REPLY, typedChoice };
    const sender = this.channels.sender(conversation.channel);
    const bot = await showTypingWhileSlow(this.askBot(conversation, event, typedChoice), async () => {
      await sender.senderAction?.(targetOf(conversation), 'mark_seen');
      await sender.senderAction?.(targetOf(conversation), 'typing_on');
    });
    return { settings, customerAskedForPerson, bot, typedChoice };
  }

  async apply(
    unit: ConversationUnit,
    event: InboundEvent,
    prepared: ConversationRow,
    prepareTurn: PreparedTurn | undefined,
  ): Promise<void> {
    let conversation = prepared;
    let turn = prepareTurn;
    // Whether the customer's activity is noted already (by the turn's lock, below).
    let activityNoted = false;
    if (turn) {
      // The bot was asked outside the transaction, from the conversation as it was then; the desk may
      // have changed it meanwhile (an agent took or closed it). Re-read under the row lock: if it
      // changed, the bot's turn no longer applies — the message is stored, the answer is dropped.
      // The same statement counts the message as the customer writing (a turn is only taken for the
      // customer's own message; noting it again for a redelivery changes nothing, as it never moves back).
      if (event.userOriginated) {
        conversation = (await unit.lockNotingCustomerActivity(prepared.id, event.timestamp)) ?? prepared;
        activityNoted = true;
      } else conversation = (await unit.repos.conversations.lockForUpdate(prepared.id)) ?? prepared;
      if (conversation.state !== prepared.state || conversation.assigned_agent_id !== prepared.assigned_agent_id) {
        this.logger.warn(
          `conversation ${conversation.id} changed from ${prepared.state} to ${conversation.state} while the bot was answering; the bot's answer is dropped`,
        );
        await unit.record(
          conversation.id,
          'bot_turn_dropped',
          `changed from ${prepared.state} to ${conversation.state} while the bot was answering`,
          'routing',
        );
        turn = undefined;
      }
    }
    const stored = await this.store(unit, conversation, event, turn?.typedChoice, turn ? conversation : undefined);
    if (stored === undefined) return; // a redelivery: everything it caused is already committed
    const { id: messageId, content } = stored;
    if (event.userOriginated && !activityNoted) await unit.noteCustomerActivity(conversation.id, event.timestamp);
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
    await this.hooks.customerMessageStored(unit, conversation, messageId, content);
    if (!turn) return;
    const plan = decideTurn({
      state: conversation.state,
      lowConfidenceStreak: conversation.low_confidence_streak,
      settings: turn.settings,
      customerAskedForPerson: turn.customerAskedForPerson,
      bot: turn.bot,
      noAgentFallback: this.config.queue.noAgentFallback,
      agentAvailability:
        this.config.queue.noAgentFallback === 'bot' ? await this.writer.agentAvailability(unit, conversation.page_id) : undefined,
      texts: { error: this.config.messages.error, noAgent: this.config.queue.noAgentMessage },
      disclosure: this.config.messages.botDisclosure && botDisclosureDue(conversation) ? this.config.messages.botDisclosure : undefined,
    });
    await this.writer.apply(unit, conversation, plan, event.mid);
  }

  /**
   * A typed text that answers the choices of ccm's latest message with choices since the customer last
   * wrote (a numbered list or carousel on a text-only channel, or buttons the customer answered by
   * typing): that choice, by its number or its title.
   */
  private async typedChoice(conversation: ConversationRow, event: InboundEvent): Promise<ParsedChoice | undefined> {
    if (event.kind !== 'message' || event.payload !== undefined || !event.text) return undefined;
    // None on offer since the customer last wrote (the column is set where choices are queued): no read.
    if (conversation.choices_offered_at == null) return undefined;
    for (const row of await this.persistence.repos.messages.outboundSinceLastInbound(conversation.id)) {
      const options = row.content ? listChoiceOptions(JSON.parse(row.content) as RichMessage) : [];
      if (options.length > 0) return matchTypedChoice(event.text, options);
    }
    return undefined;
  }

  private async askBot(
    conversation: ConversationRow,
    event: InboundEvent,
    typedChoice: ParsedChoice | undefined,
  ): Promise<BotReply | Error> {
    try {
      return await this.bot.reply({
        conversationId: conversation.id,
        pageId: conversation.page_id,
        customerId: conversation.customer_id,
        text: event.text ?? '',
        payload: event.payload === undefined ? typedChoice?.payload : (parseChoice({ payload: event.payload })?.payload ?? event.payload),
      });
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /**
   * Stores the message; undefined when it was stored before. `lockedRow`: the conversation as read
   * under this transaction's row lock, if it was (told to the bus's listeners with the message).
   */
  private async store(
    unit: ConversationUnit,
    conversation: ConversationRow,
    event: InboundEvent,
    typedChoice: ParsedChoice | undefined,
    lockedRow: ConversationRow | undefined,
  ): Promise<{ id: number; content: string | null } | undefined> {
    // A pressed button, quick reply or typed answer is kept as a structured choice ("customer pressed 'Track order'").
    const choice =
      event.payload !== undefined
        ? parseChoice(
            event.kind === 'postback' ? { payload: event.payload, title: event.text } : { payload: event.payload, text: event.text },
          )
        : typedChoice;
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
    if (id === undefined) return undefined;
    unit.publish({
      type: 'message.created',
      conversationId: conversation.id,
      messageId: id,
      direction: 'in',
      author: 'customer',
      ...(lockedRow ? { conversation: lockedRow } : {}),
    });
    return { id, content };
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
