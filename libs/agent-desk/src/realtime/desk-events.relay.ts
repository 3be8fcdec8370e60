import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConversationBus, ConversationBusEvent } from '@app/conversations';
import { CcmConfig } from '@app/config';
import { Clock } from '@app/core';
import { AgentRow, ConversationRow, MessageRow, PersistenceService } from '@app/persistence';
import { ConversationViews } from '../conversations/conversation-views.service';
import { csatAnswer } from '../conversations/csat';
import { agentView } from '../agents/agents.dto';
import { messageView } from '../conversations/desk-views';
import { CustomerChannelActions } from '../sender-actions/customer-channel-actions';
import { AgentPresenceEvents } from './agent-presence.events';
import { agentRoom, DeskGateway, ROOM_AGENTS, ROOM_SUPERVISORS } from './desk.gateway';

/** Who may see a conversation right now: everyone while queued, else its owner, always supervisors. */
export function audienceOf(conversation: Pick<ConversationRow, 'state' | 'assigned_agent_id'>): string[] {
  const rooms = [ROOM_SUPERVISORS];
  if (conversation.state === 'QUEUED') rooms.push(ROOM_AGENTS);
  if (conversation.assigned_agent_id) rooms.push(agentRoom(conversation.assigned_agent_id));
  return rooms;
}

/** The satisfaction question of the latest close was asked and the customer has not written since. */
function csatPending(conversation: Pick<ConversationRow, 'csat_asked_at' | 'csat_answered_at'>): boolean {
  return conversation.csat_asked_at !== null && conversation.csat_answered_at === null;
}

/**
 * Turns committed conversation events (the ConversationBus) into desk events for exactly the
 * sockets allowed to see them. Events carry ids; everything shown is re-read from the database.
 *
 * Server → client events: `conversation.queued`, `conversation.assigned`, `conversation.closed`,
 * `conversation.updated`, `conversation.removed` (no longer visible to you), `message.created`,
 * `message.status`, `message.updated` (edited, or reacted to), `agent.status`.
 */
@Injectable()
export class DeskEventsRelay implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DeskEventsRelay.name);
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly bus: ConversationBus,
    private readonly persistence: PersistenceService,
    private readonly gateway: DeskGateway,
    private readonly presence: AgentPresenceEvents,
    private readonly channel: CustomerChannelActions,
    private readonly views: ConversationViews,
    private readonly config: CcmConfig,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(this.bus.subscribe((event) => this.relay(event)));
    this.unsubscribe.push(this.presence.subscribe((agent) => this.agentChanged(agent)));
  }

  onModuleDestroy(): void {
    this.unsubscribe.forEach((u) => u());
  }

  /**
   * Whether a desk could receive what is relayed: a desk socket on this instance, or (with Redis)
   * possibly on another. With nobody watching, message events are not turned into views — each costs
   * several reads per message, for nothing — only what a customer message changes is still applied.
   */
  private anyoneWatching(): boolean {
    return Boolean(this.config.realtime.redisUrl) || this.gateway.hasOpenSockets();
  }

  private async relay(event: ConversationBusEvent): Promise<void> {
    if (
      (event.type === 'message.created' || event.type === 'message.status' || event.type === 'message.updated') &&
      !this.anyoneWatching()
    ) {
      if (event.type === 'message.created' && event.direction === 'in')
        await this.customerWroteUnwatched(event.conversationId, event.messageId, event.conversation);
      return;
    }
    const conversation = await this.persistence.repos.conversations.findById(event.conversationId);
    if (!conversation) return;
    switch (event.type) {
      case 'message.created': {
        const message = await this.persistence.repos.messages.findById(event.messageId);
        if (message?.direction === 'in') await this.customerWrote(conversation, message);
        if (message)
          this.gateway.emit(audienceOf(conversation), 'message.created', {
            conversationId: conversation.id,
            message: messageView(message),
          });
        // Unread counts and the preview moved (re-read: a snooze or CSAT answer may have changed the row).
        await this.conversationUpdated((await this.persistence.repos.conversations.findById(conversation.id)) ?? conversation);
        return;
      }
      case 'message.status': {
        const message = await this.persistence.repos.messages.findById(event.messageId);
        if (message)
          this.gateway.emit(audienceOf(conversation), 'message.status', {
            conversationId: conversation.id,
            messageId: message.id,
            status: message.status,
            error: messageView(message).error,
          });
        return;
      }
      case 'message.updated': {
        const message = await this.persistence.repos.messages.findById(event.messageId);
        if (message)
          this.gateway.emit(audienceOf(conversation), 'message.updated', {
            conversationId: conversation.id,
            message: messageView(message),
          });
        return;
      }
      case 'customer.activity':
        // The window moved (a reaction, a referral) or another app took or gave back the thread.
        await this.conversationUpdated(conversation);
        return;
      case 'conversation.state':
        await this.stateChanged(conversation, event.to, event.previousAgentId ?? null);
        return;
      default:
        return;
    }
  }

  private async stateChanged(conversation: ConversationRow, to: ConversationRow['state'], previousAgentId: string | null): Promise<void> {
    // Looked up when an agent takes over (not at hand-over: conversations nobody answers cost no Graph call).
    if (to === 'AGENT' && !conversation.customer_profile) await this.fetchProfile(conversation);
    const fresh = (await this.persistence.repos.conversations.findById(conversation.id)) ?? conversation;
    const view = await this.views.one(fresh);
    const audience = audienceOf(fresh);
    const name = to === 'QUEUED' ? 'conversation.queued' : to === 'AGENT' ? 'conversation.assigned' : 'conversation.closed';
    this.gateway.emit(audience, name, view);
    // Whoever could see it before but not any more (the rest of the queue, a previous owner) only
    // learns that it is gone: no transcript or profile leaks to them.
    const before = [ROOM_AGENTS, ...(previousAgentId ? [agentRoom(previousAgentId)] : [])];
    this.gateway.emitExcept(before, audience, 'conversation.removed', { conversationId: fresh.id });
  }

  private async conversationUpdated(conversation: ConversationRow): Promise<void> {
    this.gateway.emit(audienceOf(conversation), 'conversation.updated', await this.views.one(conversation));
  }

  /**
   * `customerWrote` without a desk watching: the message is read only when a snooze or a CSAT question
   * is pending. `asStored`: the row as the message's transaction read it, when it did — with neither set
   * then, this message has nothing to end (a snooze set since came after it), and nothing is read.
   */
  private async customerWroteUnwatched(conversationId: string, messageId: number, asStored?: ConversationRow): Promise<void> {
    if (asStored && asStored.snoozed_until === null && !csatPending(asStored)) return;
    const conversation = await this.persistence.repos.conversations.findById(conversationId);
    if (!conversation || (conversation.snoozed_until === null && !csatPending(conversation))) return;
    const message = await this.persistence.repos.messages.findById(messageId);
    if (message) await this.customerWrote(conversation, message);
  }

  /** A customer message ends a snooze, and may answer the satisfaction question (with a rating, or not). */
  private async customerWrote(conversation: ConversationRow, message: MessageRow): Promise<void> {
    const patch: Partial<ConversationRow> = {};
    if (conversation.snoozed_until !== null) patch.snoozed_until = null;
    if (csatPending(conversation) && message.created_at >= conversation.csat_asked_at!) {
      // The first customer message since the question answers it (re-read: this may not be that one).
      // No end since: a close or return to the bot resets the question (see DeskConversationsService.close).
      const answer = csatAnswer(await this.persistence.repos.messages.firstInboundSince(conversation.id, conversation.csat_asked_at!));
      if (answer) Object.assign(patch, { csat_rating: answer.rating, csat_answered_at: answer.answeredAt });
    }
    if (Object.keys(patch).length > 0) await this.persistence.repos.conversations.update(conversation.id, patch);
  }

  private async fetchProfile(conversation: ConversationRow): Promise<void> {
    const profile = await this.channel.profile(conversation);
    if (!profile) {
      this.logger.debug(`no profile available for conversation ${conversation.id}`);
      return;
    }
    await this.persistence.repos.conversations.update(conversation.id, {
      customer_profile: JSON.stringify(profile),
      profile_fetched_at: this.clock.now(),
    });
  }

  private agentChanged(agent: AgentRow): void {
    const view = agentView(agent, this.clock.now(), undefined, this.config.agents.graceMs);
    this.gateway.emit([ROOM_SUPERVISORS, agentRoom(agent.id)], 'agent.status', view);
  }
}
