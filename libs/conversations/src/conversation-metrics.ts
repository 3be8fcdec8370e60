import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { CcmMetrics } from '@app/observability';
import { ConversationBus } from './conversation-bus.service';

/** Counts hand-overs (a bot conversation entering the agent queue) from the conversation bus. */
@Injectable()
export class ConversationMetrics implements OnModuleInit {
  constructor(
    private readonly bus: ConversationBus,
    @Optional() private readonly metrics?: CcmMetrics,
  ) {}

  onModuleInit(): void {
    const metrics = this.metrics;
    if (!metrics) return;
    this.bus.subscribe((event) => {
      if (event.type === 'conversation.state' && event.from === 'BOT' && event.to === 'QUEUED') metrics.handover(event.reason);
    });
  }
}
