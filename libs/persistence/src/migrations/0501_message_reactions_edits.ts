import { SchemaMigration } from '../schema-migrations';

export const migration: SchemaMigration = {
  async up(db) {
    // Shown live in the desk: the customer's current reaction to a message (Meta allows one per
    // person), when it was set (older events never overwrite newer ones), and when a message was edited.
    await db.schema.alterTable('messages').addColumn('customer_reaction', 'varchar(64)').execute();
    await db.schema.alterTable('messages').addColumn('customer_reaction_at', 'bigint').execute();
    await db.schema.alterTable('messages').addColumn('edited_at', 'bigint').execute();
  },
};
