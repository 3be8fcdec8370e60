import { SchemaMigration } from '../schema-migrations';

// Conversation Routing: when another app's control of the thread lapses (24 h without activity).
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('conversations').addColumn('thread_owner_expires_at', 'bigint').execute();
  },
};
