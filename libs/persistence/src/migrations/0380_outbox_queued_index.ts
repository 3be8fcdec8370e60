import { sql } from 'kysely';
import { SchemaMigration } from '../schema-migrations';

// Issue 11 speed (range 0360–0399). Whether a conversation has an outbound message queued is asked for
// every reply (storing it leased when it is the conversation's head) and every finished send: through
// the (conversation_id, id) index that walked all of the conversation's messages, in long
// conversations hundreds of rows. Only the queued outbound ones are in this index (a few at most per
// conversation); statements use it when they name the same literal conditions.
export const migration: SchemaMigration = {
  async up(db) {
    await sql`create index messages_outbox_queued on messages (conversation_id, id) where status = 'queued' and direction = 'out'`.execute(
      db,
    );
  },
};
