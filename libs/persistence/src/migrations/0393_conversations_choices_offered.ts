import { sql } from 'kysely';
import { SchemaMigration } from '../schema-migrations';

// Issue 11 speed (session 7, range 0393–0396). Every customer message the bot answers looked for a
// typed answer to offered choices by reading the conversation's latest messages (the most expensive
// read of a turn). `choices_offered_at` says choices may be on offer; the look runs only then. Set
// where the outbox queues a message with choices, cleared by the customer's next message. Existing
// conversations with any outbound message that has content are marked (they may have choices on
// offer): their next customer message looks once, as before, and clears it.
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('conversations').addColumn('choices_offered_at', 'bigint').execute();
    await sql`update conversations set choices_offered_at = updated_at where exists (
      select 1 from messages m where m.conversation_id = conversations.id and m.direction = 'out' and m.content is not null
    )`.execute(db);
  },
};
