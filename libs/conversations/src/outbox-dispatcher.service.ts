import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { CcmMetrics } from '@app/observability';
import { CcmConfig } from '@app/config';
import { DeliveryError, OutboundContent, OutboundTarget, PollingLoop } from '@app/core';
import { BackoffOptions, retryDelay } from '@app/graph-api';
import { ConversationRow, MessageRow, PersistenceService } from '@app/persistence';
import { ChannelRegistry } from './channel-registry.service';
import { ConversationBus } from './conversation-bus.service';
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
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private readonly loop = new PollingLoop('outbox', () => this.tick(), 200);
  private readonly limiter: RateLimiter;
  private readonly backoff: BackoffOptions;

  constructor(
    private readonly persistence: PersistenceService,
    private readonly channels: ChannelRegistry,
    private readonly bus: ConversationBus,
    config: CcmConfig,
    @Optional() private readonly metrics?: CcmMetrics,
  ) {
    this.limiter = new RateLimiter(config.messenger.sendRatePerPage);
    this.backoff = { baseMs: config.outbox.retryBaseMs, capMs: config.outbox.retryCapMs, maxAttempts: config.outbox.maxAttempts };
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

  /**
   * One pass: the head message of each conversation, paced per Page. Page health is read once per
   * Page per pass, and a message over the Page's rate is simply left for a later pass (no write):
   * the database work per pass stays proportional to what is actually sent.
   */
  private async tick(): Promise<boolean> {
    const repos = this.persistence.repos;
    const due = await repos.messages.dueOutbound(Date.now(), BATCH);
    if (due.length === 0) return false;
    const conversations = new Map(
      (await repos.conversations.findByIds([...new Set(due.map((m) => m.conversation_id))])).map((c) => [c.id, c]),
    );
    const paused = new Map<string, boolean>();
    const sendable: { message: MessageRow; conversation: ConversationRow }[] = [];
    let rateLimited = false;
    for (const message of due) {
      const conversation = conversations.get(message.conversation_id);
      if (!conversation) {
        await repos.messages.markFailed(message.id, JSON.stringify({ message: 'conversation not found' }));
        continue;
      }
      if (!paused.has(conversation.page_id)) paused.set(conversation.page_id, await this.isPaused(conversation.page_id));
      if (paused.get(conversation.page_id)) {
        await repos.messages.postpone(message.id, Date.now() + PAUSED_RECHECK_MS);
        continue;
      }
      if (this.limiter.take(conversation.page_id) > 0) {
        rateLimited = true;
        continue;
      }
      sendable.push({ message, conversation });
    }
    const results = await Promise.all(sendable.map(({ message, conversation }) => this.deliver(message, conversation)));
    // Rate-limited work is waiting for tokens, not for the poll interval: come back after a short pause.
    if (rateLimited && !results.some(Boolean)) await new Promise((r) => setTimeout(r, 20));
    return results.some(Boolean) || rateLimited;
  }

  private async deliver(message: MessageRow, conversation: ConversationRow): Promise<boolean> {
    const repos = this.persistence.repos;
    if (!(await repos.messages.claim(message.id, Date.now(), SEND_LEASE_MS))) return false;
    try {
      const content = JSON.parse(message.content ?? 'null') as OutboundContent | null;
      if (!content) throw new DeliveryError('permanent', 'message has no content');
      const { mid } = await this.channels
        .sender(conversation.channel)
        .send(targetOf(conversation), { id: message.id, author: message.author, content });
      await repos.messages.markSent(message.id, mid ?? null, Date.now());
      this.metrics?.replySent({ channel: conversation.channel, pageId: conversation.page_id, customerId: conversation.customer_id });
      this.bus.publish({ type: 'message.status', conversationId: conversation.id, messageId: message.id, status: 'sent' });
      return true;
    } catch (error) {
      return this.handleFailure(message, conversation, error);
    }
  }

  private async handleFailure(message: MessageRow, conversation: ConversationRow, error: unknown): Promise<boolean> {
    const repos = this.persistence.repos;
    const failure =
      error instanceof DeliveryError ? error : new DeliveryError('transient', error instanceof Error ? error.message : String(error));
    const stored = JSON.stringify({ kind: failure.kind, message: failure.message, ...failure.details });
    if (failure.kind === 'paused') {
      if (failure.pauseCause === 'token') {
        this.logger.error(
          `ALERT: the access token of page ${conversation.page_id} is invalid (${failure.message}); sends to this page are paused until a new token is set`,
        );
        await repos.pageStates.markTokenInvalid(conversation.page_id, failure.message, Date.now());
      }
      // Kept queued, not failed, and not counted as an attempt: nothing is wrong with the message.
      await repos.messages.release(message.id, Date.now() + PAUSED_RECHECK_MS, stored);
      return false;
    }
    const attempt = message.attempts + 1;
    const delay = failure.kind === 'transient' ? retryDelay(attempt, this.backoff) : undefined;
    if (delay === undefined) {
      this.metrics?.outboxFailure(conversation.channel, failure.details?.code as string | number | undefined);
      this.logger.warn(
        `message ${message.id} (conversation ${conversation.id}) failed${failure.kind === 'transient' ? ` after ${attempt} attempts` : ''}: ${failure.message}`,
      );
      await repos.messages.markFailed(message.id, stored);
      this.bus.publish({
        type: 'message.status',
        conversationId: conversation.id,
        messageId: message.id,
        status: 'failed',
        error: failure.message,
      });
      return true;
    }
    this.metrics?.outboxRetry(conversation.channel, failure.details?.code as string | number | undefined);
    this.logger.debug(`message ${message.id} attempt ${attempt} failed (${failure.message}), retry in ${delay} ms`);
    await repos.messages.scheduleRetry(message.id, Date.now() + delay, stored);
    return false;
  }

  /** A Page Meta blocked, or whose token is invalid, keeps its messages queued until that is fixed. */
  private async isPaused(pageId: string): Promise<boolean> {
    const state = await this.persistence.repos.pageStates.get(pageId);
    return Boolean(state && (state.blocked || state.token_status === 'invalid'));
  }
}

export function targetOf(conversation: ConversationRow): OutboundTarget {
  return {
    channel: conversation.channel,
    conversationId: conversation.id,
    pageId: conversation.page_id,
    customerId: conversation.customer_id,
    lastUserEventAt: conversation.last_user_event_at,
    adsMessageAt: conversation.ads_message_at,
  };
}
