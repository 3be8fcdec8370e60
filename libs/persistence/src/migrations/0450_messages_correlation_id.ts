import { SchemaMigration } from '../schema-migrations';

// Issue 13 (ops, range 0450–0499).
export const migration: SchemaMigration = {
  async up(db) {
    // The correlation id of the inbound event whose handling queued the message (logs follow it to the send).
    await db.schema.alterTable('messages').addColumn('correlation_id', 'varchar(40)').execute();
  },
};
