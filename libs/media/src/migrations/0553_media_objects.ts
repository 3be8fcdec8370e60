import { SchemaMigration } from '@app/persistence';

// Media store (issue 16): ccm's copies of inbound attachments (bytes in the storage driver).
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema
      .createTable('media_objects')
      .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('message_id', 'bigint')
      .addColumn('source_url', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('content_type', 'varchar(255)')
      .addColumn('size', 'bigint')
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('stored_at', 'bigint')
      .execute();
  },
};
