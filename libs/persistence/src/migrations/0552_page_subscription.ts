import { SchemaMigration } from '../schema-migrations';

// Subscription health per Page (issue 16): is the app subscribed to the Page with the fields ccm needs.
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('page_states').addColumn('subscription_status', 'varchar(16)').execute();
    await db.schema.alterTable('page_states').addColumn('subscription_problem', 'text').execute();
    await db.schema.alterTable('page_states').addColumn('subscription_checked_at', 'bigint').execute();
  },
};
