import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Clock, Extends, InboundEvent, PollingLoop } from '@app/core';
import {
  ConversationBus,
  ConversationBusEvent,
  ConversationEventApplier,
  ConversationUnit,
  describeEvent,
  INBOUND_APPLIERS,
} from '@app/conversations';
import { GraphApiGateway, PageDirectory, THREAD_CONTROL_IDLE_MS } from '@app/meta';
import { ConversationRow, PersistenceService } from '@app/persistence';
import { MESSENGER_CHANNEL } from './messenger.constants';

/** The Page inbox (Meta Business Suite) as an app in Conversation Routing (fact sheet §3.2, §10). */
export const PAGE_INBOX_APP_ID = '263902037430900';
/** Stored as the owner when Meta said "another app controls this thread" (2018300) without saying which. */
export const UNKNOWN_THREAD_OWNER = 'unknown';
/** How often lapsed thread control (another app's, 24 h without activity) is looked for. */
const LAPSE_CHECK_MS = 60_000;

type HandoverPayload = Record<string, unknown> | undefined;

/**
 * Conversation Routing driven by the conversation's state (after each change is committed):
 * - handed over to people with PAGE_INBOX_HANDOFF=true → `pass_thread_control` to the Page inbox,
 *   where people answer in Meta Business Suite;
 * - an agent takes it in ccm's desk, or it returns to the bot, while another app owns the thread →
 *   `take_thread_control`, so ccm may send again; where Meta refuses that (ccm is not the Page's
 *   default app), `request_thread_control` asks the owner to pass it.
 * Another app's control lapses after 24 h without activity (Meta puts the thread back to idle): a
 * periodic check clears such owners, so the bot answers again.
 */
@Injectable()
export class ThreadControlService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ThreadControlService.name);
  private unsubscribe?: () => void;
  private readonly lapses = new PollingLoop('thread-control-lapse', () => this.clearLapsed().then(() => false), LAPSE_CHECK_MS);

  constructor(
    private readonly config: CcmConfig,
    private readonly gateway: GraphApiGateway,
    private readonly persistence: PersistenceService,
    private readonly pages: PageDirectory,
    private readonly bus: ConversationBus,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.bus.subscribe((event) => this.onEvent(event));
    this.lapses.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.lapses.stop();
  }

  private async onEvent(event: ConversationBusEvent): Promise<void> {
    if (event.type !== 'conversation.state') return;
    const conversation = await this.persistence.repos.conversations.findById(event.conversationId);
    if (!conversation || conversation.channel !== MESSENGER_CHANNEL) return;
    if (event.to === 'QUEUED' && this.config.messenger.pageInboxHandoff && !conversation.thread_owner) {
      // What ccm queued with the hand-over (the notice) goes out first: after the pass only the inbox may send.
      await this.outboundSettled(conversation.id);
      await this.pass(conversation, PAGE_INBOX_APP_ID, `handover: ${event.reason}`);
    } else if ((event.to === 'AGENT' || event.to === 'BOT') && conversation.thread_owner) {
      await this.take(
        conversation,
        event.to === 'AGENT' ? 'an agent took the conversation in ccm' : 'the conversation returned to the bot',
      );
    }
  }

  /** Waits (up to 10 s) until none of the conversation's outbound messages is still queued. */
  private async outboundSettled(conversationId: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const rows = await this.persistence.repos.messages.listForConversation(conversationId);
      if (!rows.some((m) => m.direction === 'out' && m.status === 'queued')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async pass(conversation: ConversationRow, targetAppId: string, why: string): Promise<void> {
    const token = await this.pages.accessToken(conversation.page_id);
    if (!token) return;
    try {
      await this.gateway.passThreadControl(token, conversation.customer_id, targetAppId, why.slice(0, 1000));
      await this.changeOwner(conversation, targetAppId, `thread passed to app ${targetAppId} (${why})`);
    } catch (error) {
      this.logger.warn(`conversation ${conversation.id}: pass_thread_control failed: ${String(error)}`);
    }
  }

  async take(conversation: ConversationRow, why: string): Promise<void> {
    const token = await this.pages.accessToken(conversation.page_id);
    if (!token) return;
    try {
      await this.gateway.takeThreadControl(token, conversation.customer_id, why.slice(0, 1000));
      await this.changeOwner(conversation, null, `thread taken back from app ${conversation.thread_owner} (${why})`);
    } catch (error) {
      // Only the Page's default app may take a thread; any app may ask the owner for it.
      this.logger.warn(`conversation ${conversation.id}: take_thread_control refused (${String(error)}); requesting the thread instead`);
      try {
        await this.gateway.requestThreadControl(token, conversation.customer_id, why.slice(0, 1000));
        await this.note(conversation.id, 'thread_control_requested', `asked app ${conversation.thread_owner} to pass the thread (${why})`);
      } catch (requestError) {
        this.logger.warn(`conversation ${conversation.id}: request_thread_control failed: ${String(requestError)}`);
      }
    }
  }

  /** Clears other apps' control that lapsed (24 h without activity); returns how many threads were idle again. */
  async clearLapsed(): Promise<number> {
    const now = this.clock.now();
    const lapsed = await this.persistence.db
      .selectFrom('conversations')
      .select(['id', 'thread_owner'])
      .where('thread_owner', 'is not', null)
      .where('thread_owner_expires_at', '<', now)
      .limit(200)
      .execute();
    let cleared = 0;
    for (const row of lapsed) {
      const done = await this.persistence.transaction(async (repos) => {
        // Conditional: another instance, or a handover event meanwhile, may have changed it.
        const result = await repos.db
          .updateTable('conversations')
          .set({ thread_owner: null, thread_owner_expires_at: null, updated_at: now })
          .where('id', '=', row.id)
          .where('thread_owner', '=', row.thread_owner)
          .where('thread_owner_expires_at', '<', now)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await repos.conversationEvents.append({
          conversation_id: row.id,
          type: 'thread_control_lapsed',
          from_state: null,
          to_state: null,
          reason: `app ${row.thread_owner}'s control of the thread lapsed (24 h without activity): the thread is idle, ccm answers again`,
          actor: 'meta',
          created_at: now,
        });
        return true;
      });
      if (done) {
        cleared += 1;
        this.bus.publish({ type: 'customer.activity', conversationId: row.id, kind: 'thread_control' });
      }
    }
    return cleared;
  }

  private async changeOwner(conversation: ConversationRow, owner: string | null, reason: string): Promise<void> {
    const now = this.clock.now();
    await this.persistence.transaction(async (repos) => {
      await repos.conversations.update(conversation.id, {
        thread_owner: owner,
        thread_owner_expires_at: owner === null ? null : now + THREAD_CONTROL_IDLE_MS,
        updated_at: now,
      });
      await repos.conversationEvents.append({
        conversation_id: conversation.id,
        type: 'thread_control',
        from_state: null,
        to_state: null,
        reason,
        actor: 'ccm',
        created_at: now,
      });
    });
    this.bus.publish({ type: 'customer.activity', conversationId: conversation.id, kind: 'thread_control' });
  }

  private async note(conversationId: string, type: string, reason: string): Promise<void> {
    await this.persistence.repos.conversationEvents.append({
      conversation_id: conversationId,
      type,
      from_state: null,
      to_state: null,
      reason,
      actor: 'ccm',
      created_at: this.clock.now(),
    });
    this.bus.publish({ type: 'customer.activity', conversationId, kind: 'thread_control' });
  }
}

/**
 * Thread ownership from Meta's `messaging_handovers` events (fact sheet §3.12, §10):
 * - `pass_thread_control` (sent to the new owner) / `take_thread_control` (sent to the previous owner)
 *   say which app owns the thread now. ccm owning it (FACEBOOK_APP_ID, or any owner that is not the
 *   Page inbox when that is unset) clears `thread_owner`; another owner is stored with the time its
 *   control lapses (24 h without activity), and the bot stays quiet meanwhile.
 * - `request_thread_control` (sent to the owner, ccm) means another app — typically the Page inbox,
 *   where someone opened the conversation — asks for the thread. ccm passes it unless one of its own
 *   agents is handling the conversation (state AGENT): then it keeps the thread and the refusal is on
 *   the conversation's trail for the desk.
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class ThreadControlApplier implements ConversationEventApplier {
  readonly scope = 'conversation';
  readonly kinds = ['handover'] as const;
  readonly channel = MESSENGER_CHANNEL;

  constructor(
    private readonly config: CcmConfig,
    private readonly control: ThreadControlService,
  ) {}

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow): Promise<void> {
    const raw = (event.raw ?? {}) as Record<string, HandoverPayload>;
    await unit.record(conversation.id, event.kind, describeEvent(event), 'meta');
    const request = raw.request_thread_control;
    if (request) return this.onRequest(unit, conversation, request);
    const change = raw.pass_thread_control ?? raw.take_thread_control;
    if (!change || change.new_owner_app_id === undefined) return;
    const owner = String(change.new_owner_app_id);
    const ours = this.config.messenger.appId ? owner === this.config.messenger.appId : owner !== PAGE_INBOX_APP_ID;
    await unit.repos.conversations.update(conversation.id, {
      thread_owner: ours ? null : owner,
      thread_owner_expires_at: ours ? null : event.timestamp + THREAD_CONTROL_IDLE_MS,
    });
    unit.publish({ type: 'customer.activity', conversationId: conversation.id, kind: 'thread_control' });
  }

  private async onRequest(unit: ConversationUnit, conversation: ConversationRow, request: Record<string, unknown>): Promise<void> {
    const requester = request.requested_owner_app_id === undefined ? undefined : String(request.requested_owner_app_id);
    const metadata = typeof request.metadata === 'string' ? request.metadata : '';
    const who = requester === PAGE_INBOX_APP_ID ? 'the Page inbox' : `app ${requester ?? '(unnamed)'}`;
    if (!requester || conversation.thread_owner) return; // nothing ccm could pass (it does not own the thread)
    if (conversation.state === 'AGENT') {
      await unit.record(
        conversation.id,
        'thread_control_request_declined',
        `${who} asked for the thread${metadata ? ` (${metadata})` : ''}; kept: an agent is handling the conversation in ccm`,
        'ccm',
      );
      unit.publish({ type: 'customer.activity', conversationId: conversation.id, kind: 'thread_control' });
      return;
    }
    unit.afterCommit(() => this.control.pass(conversation, requester, `requested by ${who}${metadata ? `: ${metadata}` : ''}`));
  }
}
