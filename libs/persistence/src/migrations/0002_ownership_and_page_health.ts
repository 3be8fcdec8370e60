import { SchemaMigration } from '../schema-migrations';

export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('conversations').addColumn('assigned_agent_id', 'varchar(64)').execute();
    await db.schema.alterTable('conversations').addColumn('customer_profile', 'text').execute();
    await db.schema.alterTable('conversations').addColumn('profile_fetched_at', 'bigint').execute();
    await db.schema
      .createTable('page_states')
      .addColumn('page_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('token_status', 'varchar(16)', (c) => c.notNull())
      .addColumn('token_error', 'text')
      .addColumn('access_token', 'text')
      .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('block_reason', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
