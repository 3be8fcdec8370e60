import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';
import { LeaderElection } from './leader-election';
import { RetentionService } from './retention.service';

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
    {
      // Which instance runs the singleton loops; the first election is over before any loop starts.
      provide: LeaderElection,
      inject: [CcmConfig, PersistenceService],
      useFactory: async (config: CcmConfig) => {
        const election = new LeaderElection({ database: config.database });
        await election.start();
        return election;
      },
    },
    RetentionService,
  ],
  exports: [PersistenceService, LeaderElection, RetentionService],
})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(
    @Inject(PersistenceService) private readonly persistence: PersistenceService,
    @Inject(LeaderElection) private readonly election: LeaderElection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.election.stop();
    await this.persistence.close();
  }
}
