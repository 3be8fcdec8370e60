import { sql } from 'kysely';
import { SchemaMigration } from '../schema-migrations';

// Issue 11 speed (range 0397–0399). The queue tables' indexes on (status, next_attempt_at, …) held every
// row ever queued, and PostgreSQL could take them for the statements that name one row by its id
// (`where id = $1 … and status = $2`, the done mark, the claims, the fenced updates): a prepared
// statement planned while the tables were small or had no statistics (a new database, a table
// autovacuum has not analysed yet) kept a plan that read every waiting row for each message, so a
// backlog made every message dearer (bench:profile on PostgreSQL, 500/s: 585–1,600 index pages per
// done mark and head claim). Only waiting (and given-up) rows are indexed now, by partial indexes that a
// statement can use only when it names the status as a literal: the scans and the per-conversation
// looks do; the statements naming one row by its id keep the status as a parameter, so the primary
// key is the only index they can take.
export const migration: SchemaMigration = {
  async up(db) {
    await sql`drop index inbound_events_pending`.execute(db);
    await sql`create index inbound_events_waiting on inbound_events (conversation_id, event_ts, id) where status = 'pending'`.execute(db);
    await sql`create index inbound_events_dead on inbound_events (id) where status = 'dead'`.execute(db);
    // Queued outbound messages: `messages_outbox_queued` (0380) already indexes them per conversation.
    await sql`drop index messages_outbox`.execute(db);
    await sql`create index messages_failed on messages (id) where status = 'failed' and direction = 'out'`.execute(db);
    await sql`drop index bridge_outbox_due`.execute(db);
    await sql`create index bridge_outbox_waiting on bridge_outbox (conversation_id, id) where status = 'pending'`.execute(db);
    await sql`create index bridge_outbox_dead on bridge_outbox (id) where status = 'dead'`.execute(db);
  },
};
