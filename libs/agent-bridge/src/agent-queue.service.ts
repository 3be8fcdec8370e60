import { Injectable, Logger } from '@nestjs/common';
import { CcmConfig, parseBusinessHours } from '@app/config';
import { AGENT_PRESENCE_TTL_MS } from '@app/core';
import { Repositories } from '@app/persistence';
import { isWithinBusinessHours } from './business-hours';

/**
 * The agent side of a hand-over. For now the embedded default: the conversation is put in the agent
 * queue (state QUEUED, ordered by `queued_at`) and the customer is told. The agent desk and the
 * external chat-server bridge take conversations from this queue.
 */
@Injectable()
export class AgentQueueService {
  private readonly logger = new Logger(AgentQueueService.name);

  constructor(private readonly config: CcmConfig) {}

  /**
   * Can a person take a conversation now? Outside business hours, or (with the embedded desk) when no
   * agent is available, the customer is told so; an external chat server manages its own agents.
   */
  async availability(repos: Repositories, now: number, pageId?: string): Promise<'open' | 'closed' | 'no_agent'> {
    if (!isWithinBusinessHours(await this.businessHours(repos, pageId), new Date(now))) return 'closed';
    if (this.config.agents.bridge === 'embedded' && (await repos.agents.countAvailable(now - AGENT_PRESENCE_TTL_MS)) === 0)
      return 'no_agent';
    return 'open';
  }

  /**
   * Queues the conversation (within the caller's unit of work) and returns what to tell the customer:
   * `notice` with their place in the queue, `opening` without it (for a public thread).
   */
  async handOver(
    repos: Repositories,
    conversationId: string,
    reason: string,
    now: number,
    bot?: { intent: string | undefined; confidence: number },
  ): Promise<{ notice: string; opening: string }> {
    const conversation = await repos.conversations.findById(conversationId);
    if (!conversation) throw new Error(`conversation ${conversationId} not found`);
    await repos.conversations.update(conversationId, {
      state: 'QUEUED',
      handover_reason: reason,
      queued_at: now,
      updated_at: now,
      assigned_agent_id: null,
      assigned_at: null,
      // Shown to the agent who takes over: what the bot thought the customer wanted, and how sure it was.
      ...(bot && { bot_intent: bot.intent ?? null, bot_confidence: bot.confidence }),
    });
    await repos.conversationEvents.append({
      conversation_id: conversationId,
      type: 'handover',
      from_state: conversation.state,
      to_state: 'QUEUED',
      reason,
      actor: 'routing',
      created_at: now,
    });
    const position = await repos.conversations.queuePosition(conversationId, now);
    await repos.conversations.update(conversationId, { queue_position_told: position, queue_timeout_told_at: null });
    const availability = await this.availability(repos, now, conversation.page_id);
    this.logger.log(`conversation ${conversationId} queued for an agent at position ${position} (${reason}; ${availability})`);
    const opening = availability === 'open' ? this.config.messages.handover : this.config.queue.noAgentMessage;
    return { notice: `${opening} ${this.config.queue.positionMessage.replace('{position}', String(position))}`, opening };
  }

  /**
   * The Page's business hours: set by an admin for this Page ("" = always open), else the
   * deployment's BUSINESS_HOURS (undefined: always open).
   */
  async businessHours(repos: Repositories, pageId?: string): Promise<CcmConfig['queue']['businessHours']> {
    const stored = pageId === undefined ? undefined : (await repos.pageSettings.getCached(pageId))?.business_hours;
    if (stored === undefined || stored === null) return this.config.queue.businessHours;
    if (stored === '') return undefined;
    return parseBusinessHours(stored) ?? this.config.queue.businessHours;
  }
}
