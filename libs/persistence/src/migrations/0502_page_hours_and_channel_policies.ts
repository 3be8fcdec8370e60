import { SchemaMigration } from '../schema-migrations';

// Desk Settings (issue 14): per Page, business hours ("Mon-Fri 09:00-18:00 Europe/Berlin"; "" = always
// open; null = the deployment's BUSINESS_HOURS) and routing policies per channel (JSON, e.g.
// {"comments":"AGENT_ONLY"}), both changed through the admin API.
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('page_settings').addColumn('business_hours', 'varchar(128)').execute();
    await db.schema.alterTable('page_settings').addColumn('channel_policies', 'text').execute();
  },
};
