import { SchemaMigration } from '@app/persistence';

// Issue 8: conversations linked across channels, and the Page comments channel's own table
// (read and written only by libs/channels/comments; facts from the feed webhook plus the state
// our actions change, e.g. the once-per-comment private reply).
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('conversations').addColumn('linked_conversation_id', 'varchar(36)').execute();
    await db.schema
      .createTable('page_comments')
      .addColumn('comment_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('page_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('post_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('parent_id', 'varchar(128)')
      .addColumn('author_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('author_name', 'varchar(255)')
      .addColumn('customer_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('from_page', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_time', 'bigint', (c) => c.notNull())
      .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('liked', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('private_reply_at', 'bigint')
      .addColumn('private_reply_conversation_id', 'varchar(36)')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('page_comments_customer').on('page_comments').columns(['page_id', 'customer_id', 'created_time']).execute();
  },
};
