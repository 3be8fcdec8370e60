import { agentDeskMigrations } from '@app/agent-desk';
import { commentsMigrations } from '@app/channel-comments';
import { messengerMigrations } from '@app/channel-messenger';
import { mediaMigrations } from '@app/media';
import { MigrationSet } from '@app/persistence';

/**
 * The migrations of every lib that owns tables or columns (persistence adds its own). All of them run
 * whichever channel modules an instance enables: instances sharing one database share one schema. A
 * lib with a first migration adds one line here (see docs/adding-a-channel.md, "Tables").
 */
export const LIB_MIGRATIONS: readonly MigrationSet[] = [agentDeskMigrations, commentsMigrations, messengerMigrations, mediaMigrations];
