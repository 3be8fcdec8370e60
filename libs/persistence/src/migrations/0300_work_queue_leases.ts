import { SchemaMigration } from '../schema-migrations';

// Issue 11: the three queue tables become one work-queue primitive (see work-queue.ts): every
// claim carries an owner and an epoch, and state changes after a claim are fenced on both.
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('inbound_events').addColumn('lease_owner', 'varchar(64)').execute();
    await db.schema.alterTable('inbound_events').addColumn('lease_until', 'bigint').execute();
    for (const table of ['inbound_events', 'messages', 'bridge_outbox']) {
      if (table !== 'inbound_events') await db.schema.alterTable(table).addColumn('lease_owner', 'varchar(64)').execute();
      await db.schema
        .alterTable(table)
        .addColumn('lease_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    }
    // Head-of-key checks look up a conversation's unfinished items.
    await db.schema.createIndex('inbound_events_key').on('inbound_events').columns(['conversation_id', 'status']).execute();
    await db.schema.createIndex('bridge_outbox_key').on('bridge_outbox').columns(['conversation_id', 'status']).execute();
  },
};
