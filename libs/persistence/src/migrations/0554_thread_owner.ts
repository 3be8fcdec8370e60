import { SchemaMigration } from '../schema-migrations';

// Conversation Routing (issue 16): which app owns the Messenger thread when it is not ccm.
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('conversations').addColumn('thread_owner', 'varchar(32)').execute();
  },
};
