import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { CcmConfig } from '@app/config';
import { ConversationsModule } from '@app/conversations';
import { PlatformHttpModule } from '@app/platform-http';
import { AgentsController, AdminOrSupervisorGuard, AuthController } from './agents/agents.controller';
import { AgentsService } from './agents/agents.service';
import { AgentTokenService } from './auth/agent-token.service';
import { DeskAuthGuard } from './auth/desk-auth.guard';
import { ChannelActionsController } from './channel-actions/channel-actions.controller';
import { ChannelActionsService } from './channel-actions/channel-actions.service';
import { LoginService } from './auth/login.service';
import { ConversationsController } from './conversations/conversations.controller';
import { DeskConversationsService } from './conversations/desk-conversations.service';
import { AgentPresenceEvents } from './realtime/agent-presence.events';
import { DeskEventsRelay } from './realtime/desk-events.relay';
import { DeskGateway } from './realtime/desk.gateway';
import { DeskSessionSweeper } from './realtime/desk-session-sweeper';
import { AssignmentService } from './routing/assignment.service';
import { CustomerChannelActions } from './sender-actions/customer-channel-actions';
import { DeskPageController } from './web/desk-page.controller';
import { PagesController } from './web/pages.controller';
import { PresenceHeartbeat } from './auth/presence-heartbeat.service';
import { ConversationViews } from './conversations/conversation-views.service';
import { EpisodesService } from './conversations/episodes.service';
import { NotesService } from './conversations/notes.service';
import { AttachmentsService } from './conversations/attachments.service';
import { MediaModule } from '@app/media';
import { CannedResponsesController, CannedResponsesService } from './canned/canned-responses';

/**
 * The agent side of ccm: agents and auth, the `/api` REST API (also used by an external chat
 * server), the realtime gateway, push routing and the `/agent` web page.
 */
@Module({
  imports: [
    ConversationsModule,
    MediaModule,
    PlatformHttpModule,
    JwtModule.registerAsync({
      inject: [CcmConfig],
      useFactory: (config: CcmConfig) => ({
        secret: config.agents.jwtSecret,
        signOptions: { expiresIn: config.agents.jwtTtlSeconds, algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [
    AuthController,
    AgentsController,
    ConversationsController,
    ChannelActionsController,
    CannedResponsesController,
    PagesController,
    DeskPageController,
  ],
  providers: [
    CustomerChannelActions,
    ChannelActionsService,
    AgentTokenService,
    LoginService,
    DeskAuthGuard,
    AdminOrSupervisorGuard,
    AgentsService,
    AgentPresenceEvents,
    DeskConversationsService,
    DeskGateway,
    DeskSessionSweeper,
    DeskEventsRelay,
    AssignmentService,
    PresenceHeartbeat,
    ConversationViews,
    EpisodesService,
    NotesService,
    AttachmentsService,
    CannedResponsesService,
  ],
  exports: [DeskConversationsService, CustomerChannelActions, AgentTokenService, PresenceHeartbeat, DeskAuthGuard],
})
export class AgentDeskModule implements OnModuleInit {
  constructor(private readonly config: CcmConfig) {}

  onModuleInit(): void {
    if (this.config.agents.jwtSecretGenerated && !this.config.localMode) {
      new Logger(AgentDeskModule.name).warn(
        'AGENT_JWT_SECRET is not set: agent logins use a random secret, so they end on restart and are not valid on other instances. Set it (32+ characters).',
      );
    }
  }
}
