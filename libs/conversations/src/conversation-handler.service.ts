import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentQueueService } from '@app/agent-bridge';
import { BOT_CONNECTOR, BotConnector, BotReply } from '@app/bot';
import { CcmConfig } from '@app/config';
import { InboundEvent, MessageAuthor, OutboundContent } from '@app/core';
import { ConversationRow, PersistenceService, Repositories } from '@app/persistence';
import { parseChoice } from '@app/templates';
import { asksForPerson, decideRoute, RoutingPolicyService, RoutingSettings } from '@app/routing';
import { ConversationBus, ConversationBusEvent } from './conversation-bus.service';
import { transition } from './conversation-state-machine';
import { targetOf } from './outbox-dispatcher.service';
import { enqueueOutbound } from './outbox-writer';
import { ChannelRegistry } from './channel-registry.service';
import { botDisclosureDue } from './bot-disclosure';

/** What was decided about a customer turn before its transaction. */
interface CustomerTurn {
  settings: RoutingSettings;
  customerAskedForPerson: boolean;
  bot: BotReply | Error;
}

/** Under AGENT_ONLY no bot is asked; routing sends the turn to an agent. */
const NO_BOT: BotReply = { intent: undefined, confidence: 0, answer: [], fallback: [], handoverRequested: false };

/** The "like" sticker: an acknowledgement, not a question for the bot or an agent. */
const LIKE_STICKER_ID = '369239263222822';

/** Our own outbound messages carry `metadata: "ccm:<message id>"`; their echoes are matched, not stored again. */
const OWN_METADATA = /^ccm:(\d+)$/;

/**
 * Applies one inbound event to its conversation. Every write caused by one event — the stored
 * message, window time, state change, queued replies and the journal mark — commits in one
 * transaction, so a crash or a redelivery never produces a second reply. Listeners (agent desk) are
 * told after the commit.
 */
@Injectable()
export class ConversationHandler {
  private readonly logger = new Logger(ConversationHandler.name);

  constructor(
    private readonly persistence: PersistenceService,
    private readonly routing: RoutingPolicyService,
    private readonly agents: AgentQueueService,
    private readonly config: CcmConfig,
    private readonly bus: ConversationBus,
    private readonly channels: ChannelRegistry,
    @Inject(BOT_CONNECTOR) private readonly bot: BotConnector,
  ) {}

  async handle(journalId: number, event: InboundEvent, conversationId: string | undefined): Promise<void> {
    const now = Date.now();
    if (!conversationId) return this.handlePageEvent(journalId, event, now);

    const conversation = await this.persistence.repos.conversations.findById(conversationId);
    if (!conversation) throw new Error(`conversation ${conversationId} vanished`);

    const wantsBot = this.wantsBotTurn(conversation, event);
    if (event.userOriginated && (event.kind === 'message' || event.kind === 'postback')) this.refreshProfileInBackground(conversation);
    const turn = wantsBot ? await this.takeTurn(conversation, event) : undefined;
    const published: ConversationBusEvent[] = [];
    await this.persistence.transaction(async (repos) => {
      await this.apply(repos, conversation, event, turn, now, published);
      await repos.journal.markDone(journalId, now);
    });
    for (const e of published) this.bus.publish(e);
  }

  /**
   * Tells the customer something went wrong (ERROR_MESSAGE_RESPONSE) when their message could not be
   * handled. The failed message still counts as the customer writing (it opens Meta's window), or the
   * apology itself could not be sent.
   */
  async apologize(conversationId: string, customerWroteAt: number): Promise<void> {
    const conversation = await this.persistence.repos.conversations.findById(conversationId);
    if (!conversation) return;
    this.logger.error(`conversation ${conversationId}: message could not be handled; sending the error message`);
    const published: ConversationBusEvent[] = [];
    const now = Date.now();
    await this.persistence.transaction(async (repos) => {
      await this.noteUserEvent(repos, conversation, customerWroteAt, now);
      await this.enqueue(repos, conversation, 'system', { kind: 'text', text: this.config.messages.error }, now, published);
    });
    for (const e of published) this.bus.publish(e);
  }

  /**
   * Everything a customer turn needs before the transaction: the routing settings in force and the
   * bot's answer. The bot is asked outside the transaction (it may be slow or remote, and has no side
   * effects), and not at all under AGENT_ONLY.
   */
  private async takeTurn(conversation: ConversationRow, event: InboundEvent): Promise<CustomerTurn> {
    const settings = await this.routing.settingsFor(conversation.page_id, conversation.channel);
    const customerAskedForPerson = asksForPerson(
      event.text,
      event.payload,
      this.config.routing.handoverPhrases,
      this.config.routing.handoverPayload,
    );
    if (settings.policy === 'AGENT_ONLY') return { settings, customerAskedForPerson, bot: NO_BOT };
    this.senderActionsInBackground(conversation);
    return { settings, customerAskedForPerson, bot: await this.askBot(conversation, event) };
  }

  private async apply(
    repos: Repositories,
    conversation: ConversationRow,
    event: InboundEvent,
    turn: CustomerTurn | undefined,
    now: number,
    published: ConversationBusEvent[],
  ): Promise<void> {
    switch (event.kind) {
      case 'message':
      case 'postback': {
        const isNew = await this.storeCustomerMessage(repos, conversation, event, now, published);
        if (isNew && event.userOriginated) await this.noteUserEvent(repos, conversation, event.timestamp, now);
        // A message right after an ad click opens Meta's ads window (up to 7 days from it).
        if (isNew && event.userOriginated && event.fromAd)
          await repos.conversations.update(conversation.id, { ads_message_at: event.timestamp });
        if (isNew && turn) await this.route(repos, conversation, turn, now, published);
        return;
      }
      case 'echo':
        return this.applyEcho(repos, conversation, event, now, published);
      case 'delivery':
      case 'read': {
        const mids =
          event.kind === 'delivery'
            ? ((event.raw as { delivery?: { mids?: unknown } }).delivery?.mids ?? [])
            : event.mid
              ? [event.mid]
              : [];
        const changed = await repos.messages.advanceStatus(
          conversation.id,
          event.kind === 'read' ? 'read' : 'delivered',
          event.watermark,
          Array.isArray(mids) ? mids.filter((m): m is string => typeof m === 'string') : [],
        );
        for (const messageId of changed)
          published.push({
            type: 'message.status',
            conversationId: conversation.id,
            messageId,
            status: event.kind === 'read' ? 'read' : 'delivered',
          });
        return;
      }
      case 'message_edit':
        if (event.mid && event.text !== undefined && (await repos.messages.applyEdit(conversation.id, event.mid, event.text))) {
          await this.record(repos, conversation, 'message_edited', `mid ${event.mid}`, 'customer', now);
        }
        return;
      case 'channel_event': {
        // Only its channel understands it (e.g. a comment hidden): the channel applies it in this transaction.
        const outcome = await this.channels.eventApplier(conversation.channel)?.apply(repos, conversation, event, now);
        await this.record(repos, conversation, outcome?.type ?? event.kind, outcome?.reason ?? describe(event), 'customer', now);
        return;
      }
      default:
        // reaction, referral, optin, account linking, thread control, unknown: recorded, never answered.
        await this.record(repos, conversation, event.kind, describe(event), event.standby ? 'standby' : 'customer', now);
        if (event.userOriginated) await this.noteUserEvent(repos, conversation, event.timestamp, now);
        if (event.userOriginated || event.kind === 'reaction')
          published.push({ type: 'customer.activity', conversationId: conversation.id, kind: event.kind });
    }
  }

  /** "Seen" and "typing…" while the bot composes: best effort, never awaited by the reply. */
  private senderActionsInBackground(conversation: ConversationRow): void {
    const sender = this.channels.sender(conversation.channel);
    if (!sender.senderAction) return;
    const target = targetOf(conversation);
    void sender.senderAction(target, 'mark_seen').then(() => sender.senderAction?.(target, 'typing_on'));
  }

  /**
   * The customer's name and picture for agents: fetched for a new customer and again when the cached
   * profile is a day old or its picture URL has expired. Best effort: a failure never blocks anything.
   */
  private refreshProfileInBackground(conversation: ConversationRow): void {
    if (!profileIsStale(conversation, Date.now())) return;
    const sender = this.channels.sender(conversation.channel);
    if (!sender.fetchProfile) return;
    void sender
      .fetchProfile(targetOf(conversation))
      .then(async (profile) => {
        await this.persistence.repos.conversations.update(conversation.id, {
          customer_profile: profile ? JSON.stringify(profile) : conversation.customer_profile,
          profile_fetched_at: Date.now(),
        });
      })
      .catch((error: unknown) => this.logger.debug(`profile refresh failed for ${conversation.id}: ${String(error)}`));
  }

  private wantsBotTurn(conversation: ConversationRow, event: InboundEvent): boolean {
    if (event.standby || !event.userOriginated) return false; // another app owns the thread: record only
    if (conversation.state !== 'BOT' && conversation.state !== 'CLOSED') return false; // an agent (or the queue) has it
    if (event.kind === 'postback') return true;
    if (event.kind !== 'message') return false;
    if (event.text !== undefined || event.payload !== undefined) return true;
    const attachments = event.attachments ?? [];
    return attachments.length > 0 && !attachments.every((a) => a.stickerId === LIKE_STICKER_ID);
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

  private async storeCustomerMessage(
    repos: Repositories,
    conversation: ConversationRow,
    event: InboundEvent,
    now: number,
    published: ConversationBusEvent[],
  ): Promise<boolean> {
    // A pressed button or quick reply is kept as a structured choice ("customer pressed 'Track order'").
    const choice =
      event.payload !== undefined
        ? parseChoice(
            event.kind === 'postback' ? { payload: event.payload, title: event.text } : { payload: event.payload, text: event.text },
          )
        : undefined;
    const content =
      event.attachments || choice
        ? JSON.stringify({ attachments: event.attachments, payload: choice?.payload, choice, kind: event.kind })
        : null;
    const id = await repos.messages.insertOnce({
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
      created_at: now,
      sent_at: null,
    });
    if (id === undefined) return false;
    // The agent side sees it in the same unit of work (e.g. the chat-server bridge's outbox): never lost.
    await this.agents.customerMessageStored(repos, conversation.id, id, now);
    published.push({ type: 'message.created', conversationId: conversation.id, messageId: id, direction: 'in', author: 'customer' });
    return true;
  }

  private async applyEcho(
    repos: Repositories,
    conversation: ConversationRow,
    event: InboundEvent,
    now: number,
    published: ConversationBusEvent[],
  ): Promise<void> {
    const own = OWN_METADATA.exec(event.payload ?? '');
    if (own && event.mid) {
      // Our own message coming back: it is already stored; just make sure Meta's id is on it.
      await repos.messages.attachMid(Number(own[1]), conversation.id, event.mid);
      return;
    }
    // Sent from the Page inbox or another app: part of the transcript, written by a person at the business.
    const id = await repos.messages.insertOnce({
      conversation_id: conversation.id,
      direction: 'out',
      author: 'agent',
      text: event.text ?? null,
      content: event.attachments ? JSON.stringify({ attachments: event.attachments }) : null,
      mid: event.mid ?? null,
      status: 'sent',
      attempts: 0,
      next_attempt_at: null,
      lease_until: null,
      error: null,
      event_ts: event.timestamp,
      created_at: now,
      sent_at: event.timestamp,
    });
    if (id !== undefined)
      published.push({ type: 'message.created', conversationId: conversation.id, messageId: id, direction: 'out', author: 'agent' });
  }

  private async noteUserEvent(repos: Repositories, conversation: ConversationRow, timestamp: number, now: number): Promise<void> {
    const current = (await repos.conversations.findById(conversation.id))?.last_user_event_at ?? 0;
    if (timestamp > current) await repos.conversations.update(conversation.id, { last_user_event_at: timestamp, updated_at: now });
  }

  private async route(
    repos: Repositories,
    conversation: ConversationRow,
    turn: CustomerTurn,
    now: number,
    published: ConversationBusEvent[],
  ): Promise<void> {
    const { settings, bot: botTurn } = turn;
    if (conversation.state === 'CLOSED') {
      const reopened = transition('CLOSED', 'customer_message');
      if (reopened.ok) {
        await repos.conversations.update(conversation.id, { state: reopened.to, assigned_agent_id: null, updated_at: now });
        await this.record(repos, conversation, 'reopened', 'customer wrote again', 'customer', now, 'CLOSED', reopened.to);
        published.push({
          type: 'conversation.state',
          conversationId: conversation.id,
          from: 'CLOSED',
          to: reopened.to,
          reason: 'customer wrote again',
        });
      }
    }
    const { policy, threshold, lowConfidenceTurns } = settings;
    if (botTurn instanceof Error) {
      // The customer hears that something failed; unless the policy forbids agents, a person takes over.
      this.logger.error(`conversation ${conversation.id}: bot failed: ${botTurn.message}`);
      await this.enqueue(repos, conversation, 'system', { kind: 'text', text: this.config.messages.error }, now, published);
      if (policy !== 'BOT_ONLY')
        await this.handOver(repos, conversation, `bot failed: ${botTurn.message}`, undefined, now, published, false);
      return;
    }
    const decision = decideRoute({
      policy,
      threshold,
      lowConfidenceTurns,
      ...botTurn,
      customerAskedForPerson: turn.customerAskedForPerson,
      lowConfidenceStreak: conversation.low_confidence_streak,
    });
    if (decision.lowConfidenceStreak !== conversation.low_confidence_streak) {
      await repos.conversations.update(conversation.id, { low_confidence_streak: decision.lowConfidenceStreak });
    }
    if (decision.action === 'reply') {
      await this.discloseBotIfDue(repos, conversation, now, published);
      for (const message of decision.messages) await this.enqueue(repos, conversation, 'bot', message, now, published);
      return;
    }
    if (this.config.queue.noAgentFallback === 'bot' && policy !== 'AGENT_ONLY' && (await this.agents.availability(repos, now)) !== 'open') {
      // Configured BOT_ONLY-style fallback: nobody could answer now, so the bot keeps the conversation.
      await this.enqueue(repos, conversation, 'system', { kind: 'text', text: this.config.queue.noAgentMessage }, now, published);
      await this.discloseBotIfDue(repos, conversation, now, published);
      for (const message of botTurn.fallback) await this.enqueue(repos, conversation, 'bot', message, now, published);
      await this.record(repos, conversation, 'handover_declined', `${decision.reason}; no agent available`, 'routing', now);
      return;
    }
    await this.handOver(repos, conversation, decision.reason, botTurn, now, published);
  }

  /** BOT_DISCLOSURE_MESSAGE before the bot's first answer and after the conversation came back from people. */
  private async discloseBotIfDue(
    repos: Repositories,
    conversation: ConversationRow,
    now: number,
    published: ConversationBusEvent[],
  ): Promise<void> {
    const text = this.config.messages.botDisclosure;
    if (!text) return;
    const current = (await repos.conversations.findById(conversation.id)) ?? conversation;
    if (!botDisclosureDue(current)) return;
    await this.enqueue(repos, conversation, 'bot', { kind: 'text', text }, now, published);
    await repos.conversations.update(conversation.id, { bot_disclosed_at: now });
  }

  private async handOver(
    repos: Repositories,
    conversation: ConversationRow,
    reason: string,
    botTurn: BotReply | undefined,
    now: number,
    published: ConversationBusEvent[],
    notify = true,
  ): Promise<void> {
    const { notice } = await this.agents.handOver(
      repos,
      conversation.id,
      reason,
      now,
      botTurn ? { intent: botTurn.intent, confidence: botTurn.confidence } : undefined,
    );
    published.push({ type: 'conversation.state', conversationId: conversation.id, from: 'BOT', to: 'QUEUED', reason });
    if (notify) await this.enqueue(repos, conversation, 'system', { kind: 'text', text: notice }, now, published);
  }

  private async enqueue(
    repos: Repositories,
    conversation: ConversationRow,
    author: MessageAuthor,
    content: OutboundContent,
    now: number,
    published: ConversationBusEvent[],
  ): Promise<void> {
    for (const messageId of await enqueueOutbound(repos, conversation.id, author, content, now)) {
      published.push({ type: 'message.created', conversationId: conversation.id, messageId, direction: 'out', author });
    }
  }

  private async record(
    repos: Repositories,
    conversation: ConversationRow,
    type: string,
    reason: string,
    actor: string,
    now: number,
    from: string | null = null,
    to: string | null = null,
  ): Promise<void> {
    await repos.conversationEvents.append({
      conversation_id: conversation.id,
      type,
      from_state: from,
      to_state: to,
      reason,
      actor,
      created_at: now,
    });
  }

  private async handlePageEvent(journalId: number, event: InboundEvent, now: number): Promise<void> {
    await this.persistence.transaction(async (repos) => {
      if (event.kind === 'policy_enforcement') {
        const action = event.payload;
        const reason = event.raw as { policy_enforcement?: { reason?: string }; 'policy-enforcement'?: { reason?: string } };
        const why = reason.policy_enforcement?.reason ?? reason['policy-enforcement']?.reason ?? null;
        if (action === 'block') {
          this.logger.error(`ALERT: Meta blocked page ${event.pageId} (${why ?? 'no reason given'}): sends to this page are stopped`);
          await repos.pageStates.setBlocked(event.pageId, true, why, now);
        } else if (action === 'unblock') {
          this.logger.warn(`Meta unblocked page ${event.pageId}: sends resume`);
          await repos.pageStates.setBlocked(event.pageId, false, null, now);
        } else {
          this.logger.warn(`Meta policy ${action ?? 'notice'} for page ${event.pageId}: ${why ?? ''}`);
        }
      } else {
        this.logger.log(`page-level ${event.kind} event for page ${event.pageId} recorded`);
      }
      await repos.journal.markDone(journalId, now);
    });
  }
}

const PROFILE_TTL_MS = 24 * 60 * 60 * 1000;

/** Profile picture URLs carry their expiry (`ext=<unix seconds>`); an expired one must be fetched again. */
export function profileIsStale(conversation: Pick<ConversationRow, 'customer_profile' | 'profile_fetched_at'>, now: number): boolean {
  if (conversation.profile_fetched_at === null) return true;
  if (now - conversation.profile_fetched_at > PROFILE_TTL_MS) return true;
  let ext: number;
  try {
    const picture = conversation.customer_profile
      ? (JSON.parse(conversation.customer_profile) as { pictureUrl?: string }).pictureUrl
      : undefined;
    ext = picture ? Number(new URL(picture).searchParams.get('ext')) : NaN;
  } catch {
    return true; // unreadable profile or not a URL: fetch a proper one
  }
  return Number.isFinite(ext) && ext > 0 && ext * 1000 <= now;
}

function describe(event: InboundEvent): string {
  const parts: string[] = [event.kind];
  if (event.payload) parts.push(event.payload);
  if (event.mid) parts.push(`mid ${event.mid}`);
  return parts.join(': ');
}
