import { SchemaMigration } from '@app/persistence';

// Issue 14 (agent desk): back-to-queue exclusion, snooze, CSAT on conversations; notes and canned responses.
export const migration: SchemaMigration = {
  async up(db, { serialId }) {
    await db.schema.alterTable('conversations').addColumn('released_by_agent_id', 'varchar(64)').execute();
    await db.schema.alterTable('conversations').addColumn('snoozed_until', 'bigint').execute();
    await db.schema.alterTable('conversations').addColumn('csat_asked_at', 'bigint').execute();
    await db.schema.alterTable('conversations').addColumn('csat_rating', 'integer').execute();
    await db.schema.alterTable('conversations').addColumn('csat_answered_at', 'bigint').execute();
    await db.schema.alterTable('messages').addColumn('sent_by_agent_id', 'varchar(64)').execute();
    await db.schema.alterTable('messages').addColumn('sent_by_name', 'varchar(128)').execute();
    await serialId(db, 'desk_notes')
      .addColumn('conversation_id', 'varchar(36)', (c) => c.notNull().references('conversations.id'))
      .addColumn('agent_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('author_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('desk_notes_conversation').on('desk_notes').columns(['conversation_id', 'id']).execute();
    await db.schema
      .createTable('desk_canned_responses')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('shortcut', 'varchar(32)', (c) => c.notNull().unique())
      .addColumn('title', 'varchar(128)', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
