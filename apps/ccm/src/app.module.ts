import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { AdminModule } from '@app/admin';
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
      imports: [CcmConfigModule.forRoot({ config }), PersistenceModule, ConversationsModule, MessengerChannelModule, AdminModule],
      controllers: [HealthController],
      providers: [{ provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, transform: true, forbidNonWhitelisted: true }) }],
    };
  }
}
