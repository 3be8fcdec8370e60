import { SchemaMigration } from '../schema-migrations';

// Issue 16 (meta, range 0550–0599).
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('conversations').addColumn('ads_message_at', 'bigint').execute();
    await db.schema.alterTable('conversations').addColumn('bot_disclosed_at', 'bigint').execute();
  },
};
