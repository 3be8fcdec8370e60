import { Module } from '@nestjs/common';
import { AgentBridgeModule } from '@app/agent-bridge';
import { BotModule } from '@app/bot';
import { RoutingModule } from '@app/routing';
import { ChannelRegistry } from './channel-registry.service';
import { ConversationBus } from './conversation-bus.service';
import { ConversationMetrics } from './conversation-metrics';
import { ConversationHandler } from './conversation-handler.service';
import { InboundIntakeService } from './inbound-intake.service';
import { InboundProcessor } from './inbound-processor.service';
import { OutboxDispatcher } from './outbox-dispatcher.service';

/** The conversation core: durable intake, ordered processing, routing to bot or agents, the outbox. */
@Module({
  imports: [RoutingModule, BotModule, AgentBridgeModule],
  providers: [
    ChannelRegistry,
    ConversationBus,
    ConversationMetrics,
    ConversationHandler,
    InboundIntakeService,
    InboundProcessor,
    OutboxDispatcher,
  ],
  exports: [ChannelRegistry, ConversationBus, InboundIntakeService, InboundProcessor, OutboxDispatcher],
})
export class ConversationsModule {}
