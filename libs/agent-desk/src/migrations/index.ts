import { MigrationSet } from '@app/persistence';
import { migration as m0500 } from './0500_desk_work_states';

/** The agent-desk lib's schema migrations: one file each, listed here under its file name, in order. */
export const agentDeskMigrations: MigrationSet = {
  owner: 'agent-desk',
  migrations: {
    '0500_desk_work_states': m0500,
  },
};
