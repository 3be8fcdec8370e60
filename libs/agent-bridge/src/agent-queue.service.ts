import { Injectable, Logger } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Repositories } from '@app/persistence';

/**
 * The agent side of a hand-over. For now the embedded default: the conversation is put in the agent
 * queue (state QUEUED, ordered by `queued_at`) and the customer is told. The agent desk and the
 * external chat-server bridge take conversations from this queue.
 */
@Injectable()
export class AgentQueueService {
  private readonly logger = new Logger(AgentQueueService.name);

  constructor(private readonly config: CcmConfig) {}

  /** Queues the conversation (within the caller's unit of work) and returns what to tell the customer. */
  async handOver(repos: Repositories, conversationId: string, reason: string, now: number): Promise<{ notice: string }> {
    const conversation = await repos.conversations.findById(conversationId);
    if (!conversation) throw new Error(`conversation ${conversationId} not found`);
    await repos.conversations.update(conversationId, { state: 'QUEUED', handover_reason: reason, queued_at: now, updated_at: now });
    await repos.conversationEvents.append({
      conversation_id: conversationId, type: 'handover', from_state: conversation.state, to_state: 'QUEUED',
      reason, actor: 'routing', created_at: now,
    });
    this.logger.log(`conversation ${conversationId} queued for an agent (${reason})`);
    return { notice: this.config.messages.handover };
  }

  async queue(repos: Repositories) {
    return repos.conversations.listByState('QUEUED');
  }
}
