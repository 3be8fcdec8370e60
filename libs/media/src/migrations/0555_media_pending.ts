import { SchemaMigration } from '@app/persistence';

// Media store: a download pending when the process died is found again and retried (issue 16).
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('media_objects').addColumn('attachment_type', 'varchar(16)').execute();
    await db.schema.alterTable('media_objects').addColumn('claimed_until', 'bigint').execute();
    await db.schema
      .alterTable('media_objects')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('media_objects_status').on('media_objects').columns(['status', 'created_at']).execute();
  },
};
