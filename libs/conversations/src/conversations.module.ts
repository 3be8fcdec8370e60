import { Module } from '@nestjs/common';
import { AgentBridgeModule } from '@app/agent-bridge';
import { BotModule } from '@app/bot';
import { GraphApiModule } from '@app/meta';
import { RoutingModule } from '@app/routing';
import { ActivityApplier } from './appliers/activity.applier';
import { CustomerMessageApplier } from './appliers/customer-message.applier';
import { EchoApplier } from './appliers/echo.applier';
import { MessageEditApplier } from './appliers/message-edit.applier';
import { ReactionApplier } from './appliers/reaction.applier';
import { LoggedPageEventApplier } from './appliers/page-event.applier';
import { ReceiptApplier } from './appliers/receipt.applier';
import { ChannelRegistry } from './channel-registry.service';
import { ConversationBus } from './conversation-bus.service';
import { ConversationMetrics } from './conversation-metrics';
import { ConversationHandler } from './conversation-handler.service';
import { ConversationHookRunner } from './conversation-hooks';
import { ConversationUnits, OUTBOX_HAND_OFF } from './conversation-unit';
import { InboundAppliers } from './inbound-applier';
import { InboundIntakeService } from './inbound-intake.service';
import { KnownConversations } from './known-conversations';
import { InboundProcessor } from './inbound-processor.service';
import { OutboxDispatcher } from './outbox-dispatcher.service';
import { ProfileRefresh } from './profile-refresh.hook';
import { QueueWatcher } from './queue-watcher.service';
import { TurnWriter } from './turn/turn-writer';

/** The conversation core: durable intake, ordered processing, routing to bot or agents, the outbox. */
@Module({
  imports: [RoutingModule, BotModule, AgentBridgeModule, GraphApiModule],
  providers: [
    ChannelRegistry,
    ConversationBus,
    ConversationUnits,
    ConversationHookRunner,
    ConversationMetrics,
    ConversationHandler,
    InboundAppliers,
    CustomerMessageApplier,
    EchoApplier,
    ReceiptApplier,
    MessageEditApplier,
    ReactionApplier,
    ActivityApplier,
    LoggedPageEventApplier,
    TurnWriter,
    KnownConversations,
    InboundIntakeService,
    InboundProcessor,
    OutboxDispatcher,
    // Bot turns store their replies already leased to this instance's sender and hand them to it.
    { provide: OUTBOX_HAND_OFF, useExisting: OutboxDispatcher },
    QueueWatcher,
    ProfileRefresh,
  ],
  exports: [
    ChannelRegistry,
    ConversationBus,
    ConversationUnits,
    ConversationHookRunner,
    InboundIntakeService,
    InboundProcessor,
    OutboxDispatcher,
    RoutingModule,
  ],
})
export class ConversationsModule {}
