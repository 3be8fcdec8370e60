import { SchemaMigration } from '@app/persistence';

// Instagram: how many parts of a split outbound message Meta accepted (survives a crash mid-split).
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema
      .createTable('instagram_send_parts')
      .addColumn('message_id', 'bigint', (c) => c.primaryKey())
      .addColumn('parts_sent', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
