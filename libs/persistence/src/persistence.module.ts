import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';
import { LeaderElection } from './leader-election';
import { RetentionService } from './retention.service';
import { MigrationSet } from './schema-migrations';

/** The libs' migration sets the database is brought up to at startup (besides persistence's own). */
const SCHEMA = Symbol('SCHEMA');

@Global()
@Module({
  providers: [
    {
      provide: PersistenceService,
      inject: [CcmConfig, SCHEMA],
      useFactory: async (config: CcmConfig, schema: readonly MigrationSet[]) => {
        const open = await openDatabase(config.database);
        await migrateToLatest(open, schema);
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
  /**
   * `schema`: every other lib's migration set. All of them run whichever modules an instance enables:
   * instances sharing one database share one schema.
   */
  static forRoot(schema: readonly MigrationSet[]): DynamicModule {
    return { module: PersistenceModule, providers: [{ provide: SCHEMA, useValue: schema }] };
  }

  constructor(
    @Inject(PersistenceService) private readonly persistence: PersistenceService,
    @Inject(LeaderElection) private readonly election: LeaderElection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.election.stop();
    await this.persistence.close();
  }
}
