import { agentDeskMigrations } from '@app/agent-desk';
import { mediaMigrations } from '@app/media';
import { MigrationSet } from '@app/persistence';
import { CHANNEL_MIGRATIONS } from './channel-modules';

/**
 * The migrations of every lib that owns tables or columns (persistence adds its own; a channel's come
 * with its line in `channel-modules.ts`). All of them run whichever channel modules an instance
 * enables: instances sharing one database share one schema. See docs/migrations.md.
 */
export const LIB_MIGRATIONS: readonly MigrationSet[] = [agentDeskMigrations, mediaMigrations, ...CHANNEL_MIGRATIONS];
