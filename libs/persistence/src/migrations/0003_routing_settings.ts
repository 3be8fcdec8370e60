import { SchemaMigration } from '../schema-migrations';

export const migration: SchemaMigration = {
  async up(db, { serialId }) {
    await db.schema
      .createTable('page_settings')
      .addColumn('page_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('routing_policy', 'varchar(16)')
      .addColumn('confidence_threshold', 'double precision')
      .addColumn('low_confidence_turns', 'integer')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'varchar(64)', (c) => c.notNull())
      .execute();
    await serialId(db, 'admin_audit')
      .addColumn('actor', 'varchar(64)', (c) => c.notNull())
      .addColumn('action', 'varchar(64)', (c) => c.notNull())
      .addColumn('target', 'varchar(128)', (c) => c.notNull())
      .addColumn('before_value', 'text')
      .addColumn('after_value', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .alterTable('conversations')
      .addColumn('low_confidence_streak', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('conversations').addColumn('queue_position_told', 'integer').execute();
    await db.schema.alterTable('conversations').addColumn('queue_timeout_told_at', 'bigint').execute();
  },
};
