import { SchemaMigration } from '../schema-migrations';

export const migration: SchemaMigration = {
  async up(db) {
    await db.schema
      .createTable('attachment_cache')
      .addColumn('page_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('url', 'varchar(2048)', (c) => c.notNull())
      .addColumn('attachment_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('attachment_cache_pk', ['page_id', 'url'])
      .execute();
  },
};
