import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';

@Global()
@Module({
  providers: [
    {
      provide: PersistenceService,
      inject: [CcmConfig],
      useFactory: async (config: CcmConfig) => {
        const open = await openDatabase(config.database);
        await migrateToLatest(open);
        return new PersistenceService(open);
      },
    },
  ],
  exports: [PersistenceService],
})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(PersistenceService) private readonly persistence: PersistenceService) {}

  async onApplicationShutdown(): Promise<void> {
    await this.persistence.close();
  }
}
