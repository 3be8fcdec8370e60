import { SchemaMigration } from '../schema-migrations';

export const migration: SchemaMigration = {
  async up(db) {
    // Tokens issued before this moment are refused (logout, disable, role change).
    await db.schema.alterTable('agents').addColumn('tokens_valid_after', 'bigint').execute();
  },
};
