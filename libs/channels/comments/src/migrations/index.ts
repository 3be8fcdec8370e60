import { MigrationSet } from '@app/persistence';
import { migration as m0200 } from './0200_comments';

/** The channel-comments lib's schema migrations: one file each, listed here under its file name, in order. */
export const commentsMigrations: MigrationSet = {
  owner: 'channel-comments',
  migrations: {
    '0200_comments': m0200,
  },
};
