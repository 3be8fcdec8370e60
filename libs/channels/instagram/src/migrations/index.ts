import { MigrationSet } from '@app/persistence';
import { migration as m0556 } from './0556_instagram_send_parts';

/** The channel-instagram lib's schema migrations: one file each, listed here under its file name, in order. */
export const instagramMigrations: MigrationSet = {
  owner: 'channel-instagram',
  migrations: {
    '0556_instagram_send_parts': m0556,
  },
};
