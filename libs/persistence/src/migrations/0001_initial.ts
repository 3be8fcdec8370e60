import { SchemaMigration } from '../schema-migrations';

export const migration: SchemaMigration = {
  async up(db, { serialId }) {
    await db.schema
      .createTable('conversations')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('channel', 'varchar(32)', (c) => c.notNull())
      .addColumn('page_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('customer_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('handover_reason', 'text')
      .addColumn('queued_at', 'bigint')
      .addColumn('last_user_event_at', 'bigint')
      .addColumn('lease_owner', 'varchar(64)')
      .addColumn('lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('conversations_key', ['channel', 'page_id', 'customer_id'])
      .execute();
    await db.schema.createIndex('conversations_state').on('conversations').columns(['state', 'queued_at']).execute();

    await serialId(db, 'messages')
      .addColumn('conversation_id', 'varchar(36)', (c) => c.notNull().references('conversations.id'))
      .addColumn('direction', 'varchar(8)', (c) => c.notNull())
      .addColumn('author', 'varchar(16)', (c) => c.notNull())
      .addColumn('text', 'text')
      .addColumn('content', 'text')
      .addColumn('mid', 'varchar(255)')
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('lease_until', 'bigint')
      .addColumn('error', 'text')
      .addColumn('event_ts', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      .addUniqueConstraint('messages_mid', ['conversation_id', 'mid'])
      .execute();
    await db.schema.createIndex('messages_outbox').on('messages').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('messages_conversation').on('messages').columns(['conversation_id', 'id']).execute();

    await serialId(db, 'inbound_events')
      .addColumn('dedupe_key', 'varchar(512)', (c) => c.notNull().unique())
      .addColumn('channel', 'varchar(32)', (c) => c.notNull())
      .addColumn('page_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('customer_id', 'varchar(128)')
      .addColumn('conversation_id', 'varchar(36)')
      .addColumn('kind', 'varchar(32)', (c) => c.notNull())
      .addColumn('event_ts', 'bigint', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('processed_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('inbound_events_pending')
      .on('inbound_events')
      .columns(['status', 'next_attempt_at', 'conversation_id'])
      .execute();

    await serialId(db, 'conversation_events')
      .addColumn('conversation_id', 'varchar(36)', (c) => c.notNull().references('conversations.id'))
      .addColumn('type', 'varchar(32)', (c) => c.notNull())
      .addColumn('from_state', 'varchar(16)')
      .addColumn('to_state', 'varchar(16)')
      .addColumn('reason', 'text')
      .addColumn('actor', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
