import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock, ConversationState } from '@app/core';
import {
  ConversationAction,
  ConversationBus,
  ConversationHookRunner,
  ConversationUnit,
  ConversationUnits,
  enqueueOutbound,
  transition,
} from '@app/conversations';
import { CcmConfig } from '@app/config';
import { MediaStoreService } from '@app/media';
import { ConversationRow, PersistenceService } from '@app/persistence';
import { assertValidRichMessage, parseRichMessage, RichMessage, RichMessageValidationError } from '@app/templates';
import { isSupervisor, Principal } from '../auth/principal';
import { DeskRepository } from '../store/desk.repository';
import { ConversationViews } from './conversation-views.service';
import { CSAT_QUESTION } from './csat';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { CustomerChannelActions } from '../sender-actions/customer-channel-actions';
import { AgentPresenceEvents } from '../realtime/agent-presence.events';
import { canAct, canView, DESK_FILTER_STATES, DeskListFilter } from './conversation-visibility';
import { ConversationView, messageView, MessageView } from './desk-views';

const LEASE_MS = 10_000;
const LEASE_WAIT_MS = 3000;

/** Something the desk does to a conversation's ownership, as the state machine and the audit trail see it. */
interface OwnershipChange {
  action: ConversationAction;
  /** Columns to set besides `state` (owner, queue time…). */
  patch: (row: ConversationRow, now: number) => Partial<ConversationRow>;
  reason: string;
  /** Extra writes in the same transaction (e.g. the conversation hooks of a close). */
  alsoWrite?: (unit: ConversationUnit, row: ConversationRow, to: ConversationState) => Promise<void>;
}

/**
 * The agent desk's use cases on conversations. Ownership changes go through the conversation state
 * machine, under the conversation's lease (the same row lock the inbound processor takes) plus a
 * conditional UPDATE, so two agents can never both accept one conversation.
 */
@Injectable()
export class DeskConversationsService {
  private readonly logger = new Logger(DeskConversationsService.name);

  constructor(
    private readonly persistence: PersistenceService,
    private readonly bus: ConversationBus,
    private readonly channel: CustomerChannelActions,
    private readonly units: ConversationUnits,
    private readonly hooks: ConversationHookRunner,
    private readonly views: ConversationViews,
    private readonly presence: AgentPresenceEvents,
    private readonly clock: Clock,
    private readonly media: MediaStoreService,
    private readonly config: CcmConfig,
  ) {}

  /** A list tab; with `q`, a search by customer name, customer id (PSID) or message text. */
  async list(principal: Principal, filter: DeskListFilter, q?: string): Promise<ConversationView[]> {
    const states = DESK_FILTER_STATES[filter];
    const ownerOnly = !isSupervisor(principal) && filter !== 'queued' ? principal.agentId : undefined;
    const query = q?.trim();
    let rows = query
      ? await new DeskRepository(this.persistence.repos).search(states, query, ownerOnly)
      : await this.persistence.repos.conversations.listForDesk(states, ownerOnly);
    if (filter === 'closed') rows = rows.filter((r) => r.assigned_agent_id !== null); // BOT conversations nobody handled are not "closed"
    return this.views.many(rows.filter((r) => canView(principal, r)));
  }

  async get(principal: Principal, id: string): Promise<ConversationView> {
    return this.views.one(await this.visible(principal, id));
  }

  async messages(principal: Principal, id: string): Promise<MessageView[]> {
    const row = await this.visible(principal, id);
    return (await this.persistence.repos.messages.listForConversation(row.id)).map(messageView);
  }

  /** Takes a queued conversation (pull by an agent, or push by the router acting for one). */
  async accept(principal: Principal, id: string, actor = principal.agentId): Promise<ConversationView> {
    const row = await this.changeOwnership(
      principal,
      id,
      {
        action: 'assign',
        patch: (_, now) => ({
          assigned_agent_id: principal.agentId,
          assigned_at: now,
          agent_seen_message_id: null,
          released_by_agent_id: null,
          snoozed_until: null,
        }),
        reason: actor === 'routing' ? 'push routing' : 'accepted',
      },
      actor,
      (r) => {
        if (r.state !== 'QUEUED')
          throw new DeskException(
            r.state === 'AGENT' ? DeskErrorCode.AlreadyAssigned : DeskErrorCode.InvalidState,
            r.state === 'AGENT' ? 'conversation is already assigned' : `cannot accept a conversation in state ${r.state}`,
          );
      },
    );
    if (actor !== 'routing') await this.workingNow(principal.agentId);
    return this.views.one(row);
  }

  /**
   * An Offline agent who takes a chat is working: they become Busy (keep it, get no pushes) rather
   * than losing it to the queue when the grace period of their Offline status runs out.
   */
  private async workingNow(agentId: string): Promise<void> {
    const agent = await this.persistence.repos.agents.findById(agentId);
    if (agent?.status !== 'away') return;
    const now = this.clock.now();
    await this.persistence.repos.agents.update(agentId, { status: 'busy', status_changed_at: now, updated_at: now });
    this.presence.changed({ ...agent, status: 'busy', status_changed_at: now, updated_at: now });
  }

  async transfer(principal: Principal, id: string, toAgentId: string | undefined): Promise<ConversationView> {
    if (toAgentId !== undefined) {
      const target = await this.persistence.repos.agents.findById(toAgentId);
      if (!target || target.disabled)
        throw new DeskException(DeskErrorCode.NotFound, `agent ${toAgentId} not found`, [
          { field: 'toAgentId', message: 'no such active agent' },
        ]);
    }
    const row = await this.changeOwnership(
      principal,
      id,
      toAgentId === undefined
        ? {
            action: 'transfer_to_queue',
            // The releasing agent is skipped by the next push, so "Back to queue" does not bounce back.
            patch: (r, now) => ({
              assigned_agent_id: null,
              assigned_at: null,
              queued_at: now,
              snoozed_until: null,
              released_by_agent_id: r.assigned_agent_id,
            }),
            reason: 'transferred to the queue',
          }
        : {
            action: 'transfer_to_agent',
            patch: (_, now) => ({ assigned_agent_id: toAgentId, assigned_at: now, agent_seen_message_id: null, snoozed_until: null }),
            reason: `transferred to agent ${toAgentId}`,
          },
    );
    return this.views.one(row);
  }

  /**
   * Closes (or gives back to the bot). With `csat`, the customer is asked to rate the conversation —
   * only while the channel's standard reply window is open (a survey is no HUMAN_AGENT reply).
   */
  async close(principal: Principal, id: string, returnToBot: boolean, csat = false): Promise<ConversationView> {
    let askCsat = false;
    const row = await this.changeOwnership(principal, id, {
      action: returnToBot ? 'return_to_bot' : 'close',
      patch: (r, now) => {
        askCsat = csat && this.views.replyState(r, now) === 'open';
        // The row's question is the latest close's: a close without one leaves none pending.
        return { snoozed_until: null, csat_asked_at: askCsat ? now : null, csat_rating: null, csat_answered_at: null };
      }, // the owner stays recorded: the agent still sees it under "closed"
      reason: returnToBot ? 'returned to the bot' : 'closed by agent',
      alsoWrite: async (unit, r, to) => {
        if (askCsat) {
          for (const messageId of await enqueueOutbound(unit.repos, r.id, 'system', CSAT_QUESTION, unit.now))
            unit.publish({ type: 'message.created', conversationId: r.id, messageId, direction: 'out', author: 'system' });
        }
        await this.hooks.closed(unit, r, to, principal.agentId);
      },
    });
    if (csat && !askCsat) this.logger.log(`conversation ${id}: no CSAT question (outside the reply window)`);
    return this.views.one(row);
  }

  /** Hides the conversation from the owner's list until `until`; a customer message ends it sooner. */
  async snooze(principal: Principal, id: string, until: number | null): Promise<ConversationView> {
    const row = await this.actionable(principal, id);
    if (row.state !== 'AGENT') throw new DeskException(DeskErrorCode.InvalidState, 'only active conversations can be snoozed');
    await this.persistence.repos.conversations.update(row.id, { snoozed_until: until, updated_at: this.clock.now() });
    const fresh = (await this.persistence.repos.conversations.findById(row.id))!;
    this.bus.publish({
      type: 'conversation.state',
      conversationId: row.id,
      from: row.state,
      to: row.state,
      reason: until ? 'snoozed' : 'unsnoozed',
    });
    return this.views.one(fresh);
  }

  /** Sends a text or rich message as the agent (through the outbox: ordered, retried, status tracked). */
  async send(principal: Principal, id: string, input: { text?: string; message?: unknown }): Promise<MessageView> {
    const content = this.parseContent(input);
    const row = await this.actionable(principal, id);
    const now = this.clock.now();
    const ids = await this.persistence.transaction(async (repos) => {
      const written = await enqueueOutbound(repos, row.id, 'agent', content, now);
      // Who wrote it, for the transcript ("Dana", not just "Agent").
      await repos.db
        .updateTable('messages')
        .set({ sent_by_agent_id: principal.agentId, sent_by_name: principal.name })
        .where('id', 'in', written)
        .execute();
      // Files of ccm it links to (an upload) are kept as long as the message; one already pruned cannot go.
      const gone = await this.media.markUsed(repos, written[0], JSON.stringify(content));
      if (gone.length > 0) {
        const message = `the file ${gone.join(', ')} is no longer in ccm's media store (uploads not sent within ${this.config.work.retentionDays} days are deleted); attach it again`;
        throw new DeskException(DeskErrorCode.InvalidMessage, message, [
          { field: content.kind === 'media' ? 'message.url' : 'message', message },
        ]);
      }
      return written;
    });
    const messageId = ids[ids.length - 1];
    // Answering means the agent has seen everything before it.
    await this.persistence.repos.conversations.update(row.id, { agent_seen_message_id: messageId, updated_at: now });
    for (const id of ids)
      this.bus.publish({ type: 'message.created', conversationId: row.id, messageId: id, direction: 'out', author: 'agent' });
    const stored = await this.persistence.repos.messages.findById(messageId);
    if (!stored) throw new DeskException(DeskErrorCode.Internal, 'message vanished');
    return messageView(stored);
  }

  async typing(principal: Principal, id: string, on: boolean): Promise<void> {
    const row = await this.actionable(principal, id);
    void this.channel.typing(row, on); // best effort: never delays the agent
  }

  /** The agent opened the conversation: everything so far is seen, and the customer sees "seen". */
  async open(principal: Principal, id: string): Promise<void> {
    const row = await this.visible(principal, id);
    if (row.assigned_agent_id !== principal.agentId || row.state !== 'AGENT') return;
    const last = await this.persistence.repos.messages.lastId(row.id);
    if (last !== undefined) await this.persistence.repos.conversations.update(row.id, { agent_seen_message_id: last });
    void this.channel.markSeen(row);
  }

  parseContent(input: { text?: string; message?: unknown }): RichMessage {
    const given = (input.text !== undefined ? 1 : 0) + (input.message !== undefined ? 1 : 0);
    if (given !== 1)
      throw new DeskException(DeskErrorCode.ValidationFailed, 'send exactly one of text or message', [
        { field: 'text', message: 'exactly one of text or message is required' },
      ]);
    try {
      return input.text !== undefined ? assertValidRichMessage({ kind: 'text', text: input.text }) : parseRichMessage(input.message);
    } catch (error) {
      if (!(error instanceof RichMessageValidationError)) throw error;
      const prefix = input.text !== undefined ? '' : 'message.';
      const details = error.violations.map((v) => ({
        field: input.text !== undefined ? 'text' : `${prefix}${v.path}`.replace(/\.$/, ''),
        message: v.message,
      }));
      throw new DeskException(DeskErrorCode.InvalidMessage, details.map((d) => d.message).join('; '), details);
    }
  }

  /** The conversation, when the caller may see it; 404 otherwise (its existence does not leak). */
  async visible(principal: Principal, id: string): Promise<ConversationRow> {
    const row = await this.persistence.repos.conversations.findById(id);
    if (!row || !canView(principal, row)) throw new DeskException(DeskErrorCode.NotFound, `conversation ${id} not found`);
    return row;
  }

  /** The conversation, when the caller may act on it (send, attach…); 403/409 otherwise. */
  async actionable(principal: Principal, id: string): Promise<ConversationRow> {
    const row = await this.visible(principal, id);
    if (!canAct(principal, row)) {
      throw new DeskException(
        row.state === 'AGENT' || row.assigned_agent_id === principal.agentId ? DeskErrorCode.InvalidState : DeskErrorCode.Forbidden,
        row.state === 'QUEUED' ? 'accept the conversation first' : `not allowed on a conversation in state ${row.state}`,
      );
    }
    return row;
  }

  /**
   * One ownership change: lease → re-read → permission and state-machine check → conditional update
   * plus audit event in one transaction → release → publish.
   */
  private async changeOwnership(
    principal: Principal,
    id: string,
    change: OwnershipChange,
    actor = principal.agentId,
    precheck?: (row: ConversationRow) => void,
  ): Promise<ConversationRow> {
    await this.visible(principal, id);
    const owner = `desk:${randomUUID()}`;
    await this.takeLease(id, owner);
    let before: ConversationRow;
    let after: ConversationRow;
    try {
      const row = await this.visible(principal, id);
      precheck?.(row);
      if (change.action !== 'assign' && !canAct(principal, row)) {
        throw new DeskException(DeskErrorCode.Forbidden, `not allowed on a conversation in state ${row.state} owned by someone else`);
      }
      const verdict = transition(row.state, change.action);
      if (!verdict.ok) throw new DeskException(DeskErrorCode.InvalidState, verdict.reason);
      await this.units.run(async (unit) => {
        const { repos, now } = unit;
        const updated = await repos.conversations.updateIfState(row.id, row.state, row.assigned_agent_id, {
          ...change.patch(row, now),
          state: verdict.to,
          updated_at: now,
        });
        if (!updated) throw new DeskException(DeskErrorCode.AlreadyAssigned, 'the conversation changed meanwhile; reload it');
        await repos.conversationEvents.append({
          conversation_id: row.id,
          type: change.action,
          from_state: row.state,
          to_state: verdict.to,
          reason: change.reason,
          actor,
          created_at: now,
        });
        await change.alsoWrite?.(unit, row, verdict.to);
      });
      before = row;
      const reread = await this.persistence.repos.conversations.findById(id);
      if (!reread) throw new DeskException(DeskErrorCode.NotFound, `conversation ${id} not found`);
      after = reread;
    } finally {
      await this.persistence.repos.conversations.releaseLease(id, owner);
    }
    this.logger.log(`conversation ${id}: ${change.action} ${before.state} → ${after.state} by ${actor}`);
    this.bus.publish({
      type: 'conversation.state',
      conversationId: id,
      from: before.state,
      to: after.state,
      reason: change.reason,
      actor,
      previousAgentId: before.assigned_agent_id,
    });
    return after;
  }

  /**
   * The inbound processor may hold the lease for a moment; wait briefly rather than fail at once. The
   * lease is dated by the clock like every other row; the wait is real time (a fake clock never moves while we wait).
   */
  private async takeLease(id: string, owner: string): Promise<void> {
    const deadline = Date.now() + LEASE_WAIT_MS;
    while (!(await this.persistence.repos.conversations.tryLease(id, owner, this.clock.now(), LEASE_MS))) {
      if (Date.now() > deadline) throw new DeskException(DeskErrorCode.Busy, 'the conversation is being updated; try again');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
