import { MigrationSet } from '@app/persistence';
import { migration as m0551 } from './0551_messenger_profiles';

/** The channel-messenger lib's schema migrations: one file each, listed here under its file name, in order. */
export const messengerMigrations: MigrationSet = {
  owner: 'channel-messenger',
  migrations: {
    '0551_messenger_profiles': m0551,
  },
};
