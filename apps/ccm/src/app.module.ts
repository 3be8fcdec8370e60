import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from '@app/admin';
import { AgentDeskModule } from '@app/agent-desk';
import { ChatServerBridgeModule } from '@app/chat-server-bridge';
import { CcmConfig, CcmConfigModule } from '@app/config';
import { ConversationsModule } from '@app/conversations';
import { MessengerChannelModule } from '@app/messenger';
import { PersistenceModule } from '@app/persistence';
import { HealthController } from './health.controller';

/** Only wiring: every feature lives in a lib. */
@Module({})
export class AppModule {
  static forRoot(config: CcmConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CcmConfigModule.forRoot({ config }),
        PersistenceModule,
        ConversationsModule,
        MessengerChannelModule,
        AdminModule,
        AgentDeskModule,
        ChatServerBridgeModule.forRoot(config),
      ],
      controllers: [HealthController],
    };
  }
}
