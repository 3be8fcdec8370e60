import { MigrationSet } from '@app/persistence';
import { migration as m0553 } from './0553_media_objects';
import { migration as m0555 } from './0555_media_pending';

/** The media lib's schema migrations: one file each, listed here under its file name, in order. */
export const mediaMigrations: MigrationSet = {
  owner: 'media',
  migrations: {
    '0553_media_objects': m0553,
    '0555_media_pending': m0555,
  },
};
