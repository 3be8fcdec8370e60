import { sql } from 'kysely';
import { SchemaMigration } from '../schema-migrations';

// Issue 11 speed (session 7, range 0393–0396). Every customer message the bot answers looked for a
// typed answer to offered choices by reading the conversation's latest messages (the most expensive
// read of a turn). `choices_offered_at` says choices may be on offer; the look runs only then. Set
// where the outbox queues a message with choices, cleared by the next bot turn on a newer customer message
// (a message while an agent has the conversation leaves it set: a look too many, never one too few). Existing
// conversations with any outbound message that has content are marked (they may have choices on
// offer): their next bot turn looks once, as before, and clears it. During a rolling deploy on several
// instances, an instance still on the old code queues choices without setting it: a typed answer to
// those is then not recognised by a new instance (it is answered as free text) until the deploy ends.
export const migration: SchemaMigration = {
  async up(db) {
    await db.schema.alterTable('conversations').addColumn('choices_offered_at', 'bigint').execute();
    await sql`update conversations set choices_offered_at = updated_at where exists (
      select 1 from messages m where m.conversation_id = conversations.id and m.direction = 'out' and m.content is not null
    )`.execute(db);
  },
};
