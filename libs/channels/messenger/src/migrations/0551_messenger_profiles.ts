import { SchemaMigration } from '@app/persistence';

// Messenger Profile per Page (read and written only by libs/channels/messenger): what was applied, and Meta's read-back.
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema
      .createTable('messenger_profiles')
      .addColumn('page_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('profile_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('read_back', 'text')
      .addColumn('applied_by', 'varchar(128)', (c) => c.notNull())
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
