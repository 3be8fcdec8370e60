import { Injectable, Logger } from '@nestjs/common';
import { AgentQueueService } from '@app/agent-bridge';
import { ConversationRow } from '@app/persistence';
import { ChannelRegistry } from '../channel-registry.service';
import { ConversationHookRunner } from '../conversation-hooks';
import { ConversationUnit } from '../conversation-unit';
import { TurnPlan } from './customer-turn';

/** Applies a decided turn inside the unit of work of the event that caused it. */
@Injectable()
export class TurnWriter {
  private readonly logger = new Logger(TurnWriter.name);

  constructor(
    private readonly agents: AgentQueueService,
    private readonly hooks: ConversationHookRunner,
    private readonly channels: ChannelRegistry,
  ) {}

  /** Whether a person can answer now (business hours, agents present). */
  agentAvailability(unit: ConversationUnit, pageId: string): Promise<'open' | 'closed' | 'no_agent'> {
    return this.agents.availability(unit.repos, unit.now, pageId);
  }

  /** `replyTo`: Meta's id of the customer message the turn answers (every message it says answers that one). */
  async apply(unit: ConversationUnit, conversation: ConversationRow, plan: TurnPlan, replyTo?: string): Promise<void> {
    const id = conversation.id;
    if (plan.botFailure !== undefined) this.logger.error(`conversation ${id}: bot failed: ${plan.botFailure}`);
    for (const step of plan.steps) {
      switch (step.kind) {
        case 'reopen':
          await unit.repos.conversations.update(id, { state: step.to, assigned_agent_id: null, updated_at: unit.now });
          await unit.record(id, 'reopened', 'customer wrote again', 'customer', step.from, step.to);
          unit.publish({ type: 'conversation.state', conversationId: id, from: step.from, to: step.to, reason: 'customer wrote again' });
          break;
        case 'set_low_confidence_streak':
          await unit.repos.conversations.update(id, { low_confidence_streak: step.value });
          break;
        case 'say':
          await this.hooks.outboundQueued(unit, conversation, await unit.enqueue(id, step.author, step.content, replyTo), step.content);
          break;
        case 'disclose_bot':
          await unit.enqueue(id, 'bot', { kind: 'text', text: step.text }, replyTo);
          await unit.repos.conversations.update(id, { bot_disclosed_at: unit.now });
          break;
        case 'record':
          await unit.record(id, step.type, step.reason, 'routing');
          break;
        case 'hand_over': {
          const { notice, opening } = await this.agents.handOver(unit.repos, id, step.reason, unit.now, step.bot);
          await this.hooks.handedOver(unit, conversation, step.reason);
          unit.publish({ type: 'conversation.state', conversationId: id, from: 'BOT', to: 'QUEUED', reason: step.reason });
          // In a public thread (comments) everyone reads it: no place in the queue there.
          const text = this.channels.adapter(conversation.channel)?.descriptor.capabilities.publicReplies ? opening : notice;
          if (step.notify) await unit.enqueue(id, 'system', { kind: 'text', text }, replyTo);
          break;
        }
      }
    }
  }
}
