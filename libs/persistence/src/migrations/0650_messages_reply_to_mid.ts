import { SchemaMigration } from '../schema-migrations';

// Issue 12 fixes (bugs, range 0650–0699).
export const migration: SchemaMigration = {
  async up(db) {
    // The customer message an outbound message answers (a comment reply goes under that comment).
    await db.schema.alterTable('messages').addColumn('reply_to_mid', 'varchar(255)').execute();
  },
};
