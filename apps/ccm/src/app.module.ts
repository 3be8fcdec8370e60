import { DynamicModule, Module, Type } from '@nestjs/common';
import { AdminModule } from '@app/admin';
import { AgentDeskModule } from '@app/agent-desk';
import { ChatServerBridgeModule } from '@app/chat-server-bridge';
import { CcmConfig, CcmConfigModule } from '@app/config';
import { ClockModule, ExtensionsModule } from '@app/core';
import { ConversationsModule } from '@app/conversations';
import { ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { PlatformHttpModule } from '@app/platform-http';
import { WebhookModule } from '@app/webhook';
import { CHANNEL_MODULES } from './channel-modules';
import { LIB_MIGRATIONS } from './schema';

/** Only wiring: every feature lives in a lib. */
@Module({})
export class AppModule {
  /** `channels`: the channel modules to run (all of `CHANNEL_MODULES` unless a test says otherwise). */
  static forRoot(config: CcmConfig, channels: readonly Type<unknown>[] = CHANNEL_MODULES): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CcmConfigModule.forRoot({ config }),
        ClockModule,
        ExtensionsModule,
        ObservabilityModule,
        PlatformHttpModule,
        PersistenceModule.forRoot(LIB_MIGRATIONS),
        ConversationsModule,
        WebhookModule,
        ...channels,
        AdminModule,
        AgentDeskModule,
        ChatServerBridgeModule.forRoot(config),
      ],
    };
  }
}
