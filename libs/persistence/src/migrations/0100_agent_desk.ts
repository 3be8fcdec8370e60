import { SchemaMigration } from '../schema-migrations';

// Issue 7: agents and their logins, desk read pointers, bot context for agents, chat-server outbox.
export const migration: SchemaMigration = {
  async up(db, { serialId }) {
    await db.schema
      .createTable('agents')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('display_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('role', 'varchar(16)', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('status_changed_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint')
      .addColumn('max_chats', 'integer')
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await serialId(db, 'login_failures')
      .addColumn('username', 'varchar(64)', (c) => c.notNull())
      .addColumn('ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('failed_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('login_failures_key').on('login_failures').columns(['username', 'ip', 'failed_at']).execute();
    await db.schema.alterTable('conversations').addColumn('assigned_at', 'bigint').execute();
    await db.schema.alterTable('conversations').addColumn('agent_seen_message_id', 'bigint').execute();
    await db.schema.alterTable('conversations').addColumn('bot_intent', 'varchar(64)').execute();
    await db.schema.alterTable('conversations').addColumn('bot_confidence', 'double precision').execute();
    await db.schema.createIndex('conversations_agent').on('conversations').columns(['assigned_agent_id', 'state']).execute();
    await serialId(db, 'bridge_outbox')
      .addColumn('dedupe_key', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('conversation_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('event_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('message_id', 'bigint')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .execute();
    await db.schema.createIndex('bridge_outbox_due').on('bridge_outbox').columns(['status', 'next_attempt_at']).execute();
  },
};
