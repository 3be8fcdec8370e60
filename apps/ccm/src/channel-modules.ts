import { Type } from '@nestjs/common';
import { commentsMigrations, PageCommentsModule } from '@app/channel-comments';
import { InstagramChannelModule, instagramMigrations } from '@app/channel-instagram';
import { MessengerChannelModule, messengerMigrations } from '@app/channel-messenger';
import { MigrationSet } from '@app/persistence';

/** A channel as the app wires it: its module and, when it owns tables, its migrations. */
export interface ChannelWiring {
  readonly module: Type<unknown>;
  readonly migrations?: MigrationSet;
}

/**
 * The channels this app runs: the only place a channel is named, one line each. Each module registers
 * its adapter itself at startup; removing one from this list removes the channel and nothing else
 * (`test/e2e/channel-modules.e2e-spec.ts` boots the app without the comments module).
 */
export const CHANNELS: readonly ChannelWiring[] = [
  { module: MessengerChannelModule, migrations: messengerMigrations },
  { module: PageCommentsModule, migrations: commentsMigrations },
  { module: InstagramChannelModule, migrations: instagramMigrations },
];

export const CHANNEL_MODULES: readonly Type<unknown>[] = CHANNELS.map((channel) => channel.module);

/** Every channel's migrations: they run even for a channel a test leaves out (one database, one schema). */
export const CHANNEL_MIGRATIONS: readonly MigrationSet[] = CHANNELS.flatMap((channel) => (channel.migrations ? [channel.migrations] : []));
