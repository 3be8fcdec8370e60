import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeliveryError, OutboundContent } from '@app/core';
import { MessageRow, PersistenceService } from '@app/persistence';
import { retryDelay } from '@app/graph-api';
import { ChannelRegistry } from './channel-registry.service';
import { ConversationBus } from './conversation-bus.service';
import { PollingLoop } from './polling-loop';

const SEND_LEASE_MS = 60_000;
const PAUSED_RETRY_MS = 30_000;

/**
 * Delivers the outbox. Every outbound message was written (status `queued`) before this runs, so a
 * crash loses nothing: on restart the queue is simply continued. Per conversation only the oldest
 * queued message is in flight, so a customer receives messages in order; conversations run in
 * parallel. Transient failures back off and retry; permanent ones mark the message failed with
 * Meta's error (shown to whoever sent it).
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private readonly loop = new PollingLoop('outbox', () => this.tick(), 250);

  constructor(
    private readonly persistence: PersistenceService,
    private readonly channels: ChannelRegistry,
    private readonly bus: ConversationBus,
  ) {}

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
    const now = Date.now();
    const due = await this.persistence.repos.messages.dueOutbound(now, 32);
    const results = await Promise.all(due.map((m) => this.deliver(m)));
    return results.some(Boolean);
  }

  private async deliver(message: MessageRow): Promise<boolean> {
    const repos = this.persistence.repos;
    if (!(await repos.messages.claim(message.id, Date.now(), SEND_LEASE_MS))) return false;
    const conversation = await repos.conversations.findById(message.conversation_id);
    if (!conversation) {
      await repos.messages.markFailed(message.id, JSON.stringify({ message: 'conversation not found' }));
      return true;
    }
    try {
      const content = JSON.parse(message.content ?? 'null') as OutboundContent | null;
      if (!content) throw new DeliveryError('permanent', 'message has no content');
      const { mid } = await this.channels.sender(conversation.channel).send(
        { channel: conversation.channel, conversationId: conversation.id, pageId: conversation.page_id, customerId: conversation.customer_id },
        { id: message.id, author: message.author, content },
      );
      await repos.messages.markSent(message.id, mid ?? null, Date.now());
      this.bus.publish({ type: 'message.status', conversationId: conversation.id, messageId: message.id, status: 'sent' });
      return true;
    } catch (error) {
      const failure = error instanceof DeliveryError ? error : new DeliveryError('transient', error instanceof Error ? error.message : String(error));
      const stored = JSON.stringify({ kind: failure.kind, message: failure.message, ...failure.details });
      const attempt = message.attempts + 1;
      if (failure.kind === 'permanent') {
        this.logger.warn(`message ${message.id} (conversation ${conversation.id}) failed permanently: ${failure.message}`);
        await repos.messages.markFailed(message.id, stored);
        this.bus.publish({ type: 'message.status', conversationId: conversation.id, messageId: message.id, status: 'failed', error: stored });
        return true;
      }
      const delay = failure.kind === 'paused' ? PAUSED_RETRY_MS : retryDelay(attempt);
      if (delay === undefined) {
        this.logger.warn(`message ${message.id} (conversation ${conversation.id}) failed after ${attempt} attempts: ${failure.message}`);
        await repos.messages.markFailed(message.id, stored);
        this.bus.publish({ type: 'message.status', conversationId: conversation.id, messageId: message.id, status: 'failed', error: stored });
        return true;
      }
      this.logger.debug(`message ${message.id} attempt ${attempt} failed (${failure.kind}), retry in ${delay} ms`);
      await repos.messages.scheduleRetry(message.id, Date.now() + delay, stored);
      return false;
    }
  }
}
