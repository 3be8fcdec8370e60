import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Extends, InboundEvent } from '@app/core';
import {
  ConversationBus,
  ConversationBusEvent,
  ConversationEventApplier,
  ConversationUnit,
  describeEvent,
  INBOUND_APPLIERS,
} from '@app/conversations';
import { GraphApiGateway } from '@app/meta';
import { ConversationRow, PersistenceService } from '@app/persistence';
import { MESSENGER_CHANNEL } from './messenger.constants';
import { PageDirectory } from '@app/meta';

/** The Page inbox (Meta Business Suite) as an app in Conversation Routing (fact sheet §3.2, §10). */
export const PAGE_INBOX_APP_ID = '263902037430900';
/** Stored as the owner when Meta said "another app controls this thread" (2018300) without saying which. */
export const UNKNOWN_THREAD_OWNER = 'unknown';

/**
 * Thread ownership from Meta's `messaging_handovers` events: `pass_thread_control`/`take_thread_control`
 * say which app owns the thread now. ccm owning it (FACEBOOK_APP_ID, or any owner that is not the Page
 * inbox when that is unset) clears `thread_owner`; another owner is stored, and the bot stays quiet.
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class ThreadControlApplier implements ConversationEventApplier {
  readonly scope = 'conversation';
  readonly kinds = ['handover'] as const;
  readonly channel = MESSENGER_CHANNEL;

  constructor(private readonly config: CcmConfig) {}

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow): Promise<void> {
    const raw = (event.raw ?? {}) as Record<string, { new_owner_app_id?: unknown } | undefined>;
    const change = raw.pass_thread_control ?? raw.take_thread_control;
    await unit.record(conversation.id, event.kind, describeEvent(event), 'meta');
    if (!change || change.new_owner_app_id === undefined) return;
    const owner = String(change.new_owner_app_id);
    const ours = this.config.messenger.appId ? owner === this.config.messenger.appId : owner !== PAGE_INBOX_APP_ID;
    await unit.repos.conversations.update(conversation.id, { thread_owner: ours ? null : owner });
    unit.publish({ type: 'customer.activity', conversationId: conversation.id, kind: 'thread_control' });
  }
}

/**
 * Conversation Routing driven by the conversation's state (after each change is committed):
 * - handed over to people with PAGE_INBOX_HANDOFF=true → `pass_thread_control` to the Page inbox,
 *   where people answer in Meta Business Suite;
 * - an agent takes it in ccm's desk, or it returns to the bot, while another app owns the thread →
 *   `take_thread_control`, so ccm may send again.
 */
@Injectable()
export class ThreadControlService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ThreadControlService.name);
  private unsubscribe?: () => void;

  constructor(
    private readonly config: CcmConfig,
    private readonly gateway: GraphApiGateway,
    private readonly persistence: PersistenceService,
    private readonly pages: PageDirectory,
    private readonly bus: ConversationBus,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.bus.subscribe((event) => this.onEvent(event));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
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
      this.logger.warn(`conversation ${conversation.id}: take_thread_control failed: ${String(error)}`);
    }
  }

  private async changeOwner(conversation: ConversationRow, owner: string | null, reason: string): Promise<void> {
    const now = Date.now();
    await this.persistence.transaction(async (repos) => {
      await repos.conversations.update(conversation.id, { thread_owner: owner, updated_at: now });
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
}
