import { DynamicModule, Module } from '@nestjs/common';
import { AgentDeskModule } from '@app/agent-desk';
import { CcmConfig } from '@app/config';
import { ConversationsModule } from '@app/conversations';
import { ChatServerDispatcher } from './chat-server-dispatcher.service';
import { ChatServerEventsService } from './chat-server-events.service';

/**
 * The external agent side (AGENT_BRIDGE=external): hand-overs, customer messages and closes go to
 * CHAT_SERVER_URL as signed webhooks through a durable outbox; the chat server answers through the
 * `/api` REST API with CHAT_SERVER_API_KEY. With the embedded desk this module adds nothing.
 */
@Module({})
export class ChatServerBridgeModule {
  static forRoot(config: CcmConfig): DynamicModule {
    if (config.agents.bridge !== 'external') return { module: ChatServerBridgeModule };
    return {
      module: ChatServerBridgeModule,
      imports: [ConversationsModule, AgentDeskModule],
      // ChatServerEventsService is a conversation hook (`@Extends(CONVERSATION_HOOKS)`): the core finds it.
      providers: [ChatServerEventsService, ChatServerDispatcher],
    };
  }
}
