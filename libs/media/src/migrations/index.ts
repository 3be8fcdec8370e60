import { MigrationSet } from '@app/persistence';
import { migration as m0553 } from './0553_media_objects';

/** The media lib's schema migrations: one file each, listed here under its file name, in order. */
export const mediaMigrations: MigrationSet = {
  owner: 'media',
  migrations: {
    '0553_media_objects': m0553,
  },
};
