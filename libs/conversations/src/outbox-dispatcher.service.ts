import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { QueueWatcher } from '@app/agent-bridge';
import { CcmConfig } from '@app/config';
import { DeliveryError, OutboundContent, OutboundTarget } from '@app/core';
import { retryDelay } from '@app/graph-api';
import { ConversationRow, MessageRow, PersistenceService } from '@app/persistence';
import { ChannelRegistry } from './channel-registry.service';
import { ConversationBus } from './conversation-bus.service';
import { enqueueOutbound } from './outbox-writer';
import { PollingLoop } from './polling-loop';
import { RateLimiter } from './rate-limiter';

const SEND_LEASE_MS = 60_000;
/** How often a paused Page (invalid token, Meta block) is looked at again. */
const PAUSED_RECHECK_MS = 5_000;
const BATCH = 64;

/**
 * Delivers the outbox. Every outbound message was written (status `queued`) before this runs, so a
 * crash loses nothing: on restart the queue is simply continued. Per conversation only the oldest
 * queued message is in flight, so a customer receives messages in order; conversations run in
 * parallel, paced per Page. Transient failures back off and retry; permanent ones mark the message
 * failed with the channel's error (shown to whoever sent it); a Page with an invalid token or under
 * a Meta block keeps its messages queued until that is resolved.
 */
@Injectable()
export class OutboxDispatcher implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private readonly loop = new PollingLoop('outbox', () => this.tick(), 200);
  private readonly limiter: RateLimiter;

  constructor(
    private readonly persistence: PersistenceService,
    private readonly channels: ChannelRegistry,
    private readonly bus: ConversationBus,
    private readonly queueWatcher: QueueWatcher,
    config: CcmConfig,
  ) {
    this.limiter = new RateLimiter(config.messenger.sendRatePerPage);
  }

  onModuleInit(): void {
    // Queue position and long-wait notices go through the outbox like every other message.
    this.queueWatcher.useWriter(async (conversationId, text) => {
      const ids = await enqueueOutbound(this.persistence.repos, conversationId, 'system', { kind: 'text', text }, Date.now());
      for (const messageId of ids) this.bus.publish({ type: 'message.created', conversationId, messageId, direction: 'out', author: 'system' });
      this.kick();
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  kick(): void {
    this.loop.kick();
  }

  private async tick(): Promise<boolean> {
    const due = await this.persistence.repos.messages.dueOutbound(Date.now(), BATCH);
    const results = await Promise.all(due.map((m) => this.deliver(m)));
    return results.some(Boolean);
  }

  private async deliver(message: MessageRow): Promise<boolean> {
    const repos = this.persistence.repos;
    const conversation = await repos.conversations.findById(message.conversation_id);
    if (!conversation) {
      await repos.messages.markFailed(message.id, JSON.stringify({ message: 'conversation not found' }));
      return true;
    }
    const pause = await this.pausedReason(conversation.page_id);
    if (pause) {
      await repos.messages.postpone(message.id, Date.now() + PAUSED_RECHECK_MS);
      return false;
    }
    const wait = this.limiter.take(conversation.page_id);
    if (wait > 0) {
      await repos.messages.postpone(message.id, Date.now() + wait);
      return false;
    }
    if (!(await repos.messages.claim(message.id, Date.now(), SEND_LEASE_MS))) return false;
    try {
      const content = JSON.parse(message.content ?? 'null') as OutboundContent | null;
      if (!content) throw new DeliveryError('permanent', 'message has no content');
      const { mid } = await this.channels.sender(conversation.channel).send(targetOf(conversation), { id: message.id, author: message.author, content });
      await repos.messages.markSent(message.id, mid ?? null, Date.now());
      this.bus.publish({ type: 'message.status', conversationId: conversation.id, messageId: message.id, status: 'sent' });
      return true;
    } catch (error) {
      return this.handleFailure(message, conversation, error);
    }
  }

  private async handleFailure(message: MessageRow, conversation: ConversationRow, error: unknown): Promise<boolean> {
    const repos = this.persistence.repos;
    const failure = error instanceof DeliveryError ? error : new DeliveryError('transient', error instanceof Error ? error.message : String(error));
    const stored = JSON.stringify({ kind: failure.kind, message: failure.message, ...failure.details });
    if (failure.kind === 'paused') {
      if (failure.pauseCause === 'token') {
        this.logger.error(`ALERT: the access token of page ${conversation.page_id} is invalid (${failure.message}); sends to this page are paused until a new token is set`);
        await repos.pageStates.markTokenInvalid(conversation.page_id, failure.message, Date.now());
      }
      // Kept queued, not failed, and not counted as an attempt: nothing is wrong with the message.
      await repos.messages.release(message.id, Date.now() + PAUSED_RECHECK_MS, stored);
      return false;
    }
    const attempt = message.attempts + 1;
    const delay = failure.kind === 'transient' ? retryDelay(attempt) : undefined;
    if (delay === undefined) {
      this.logger.warn(`message ${message.id} (conversation ${conversation.id}) failed${failure.kind === 'transient' ? ` after ${attempt} attempts` : ''}: ${failure.message}`);
      await repos.messages.markFailed(message.id, stored);
      this.bus.publish({ type: 'message.status', conversationId: conversation.id, messageId: message.id, status: 'failed', error: failure.message });
      return true;
    }
    this.logger.debug(`message ${message.id} attempt ${attempt} failed (${failure.message}), retry in ${delay} ms`);
    await repos.messages.scheduleRetry(message.id, Date.now() + delay, stored);
    return false;
  }

  private async pausedReason(pageId: string): Promise<string | undefined> {
    const state = await this.persistence.repos.pageStates.get(pageId);
    if (!state) return undefined;
    if (state.blocked) return `page ${pageId} is blocked by Meta`;
    if (state.token_status === 'invalid') return `page ${pageId} token is invalid`;
    return undefined;
  }
}

export function targetOf(conversation: ConversationRow): OutboundTarget {
  return {
    channel: conversation.channel, conversationId: conversation.id, pageId: conversation.page_id,
    customerId: conversation.customer_id, lastUserEventAt: conversation.last_user_event_at,
  };
}
