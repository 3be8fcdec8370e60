import { sql } from 'kysely';
import { dropPostgresSchema, postgresTestDatabase } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';

/**
 * A prepared statement keeps the generic plan PostgreSQL made for it, and a bench (or a new
 * deployment) prepares its statements while the tables are still small and have no statistics
 * (autovacuum had not analysed them, or is off). With an index on (status, next_attempt_at, …) such a
 * plan found the row named by its id by reading every waiting row of the queue, so each message cost
 * more the longer the backlog grew. The statements that name one row by its id must find it by the
 * primary key whatever the planner knows.
 */
describe('queue statements on PostgreSQL, prepared while the tables were empty', () => {
  let persistence: PersistenceService;
  let schema: string;

  beforeEach(async () => {
    const config = postgresTestDatabase();
    schema = config.schema;
    // One connection: the one that prepared the statements is the one that explains them.
    const open = await openDatabase({ ...config, poolSize: 1 });
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
  });

  afterEach(async () => {
    await persistence.close();
    await dropPostgresSchema(schema);
  });

  /** The index each scan of `table` itself (not a subquery's alias) uses in the cached generic plan of the prepared text starting with `prefix`. */
  async function targetScans(prefix: string, table: string): Promise<string[]> {
    const prepared = await sql<{ name: string; n: number }>`
      select name, cardinality(parameter_types) as n from pg_prepared_statements where statement like ${`${prefix}%`}`.execute(
      persistence.db,
    );
    expect(prepared.rows).toHaveLength(1);
    const { name, n } = prepared.rows[0];
    // The cached generic plan (made after the fifth run, while the tables were small) is the one shown.
    await sql`set plan_cache_mode = force_generic_plan`.execute(persistence.db);
    const nulls = Array.from({ length: Number(n) }, () => 'null').join(', ');
    const explained = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) execute ${sql.raw(name)}(${sql.raw(nulls)})`.execute(
      persistence.db,
    );
    await sql`reset plan_cache_mode`.execute(persistence.db);
    const scans: string[] = [];
    const walk = (node: Record<string, unknown>): void => {
      if (node['Relation Name'] === table && node['Alias'] === table && String(node['Node Type']).includes('Scan'))
        scans.push(String(node['Index Name'] ?? node['Node Type']));
      for (const child of (node['Plans'] as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    const plan = explained.rows[0]['QUERY PLAN'];
    walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
    return scans;
  }

  it('should find the claimed, finished and sent rows by their primary key', async () => {
    const now = 1_000_000;
    const options = { owner: 'me', now, leaseMs: 60_000 };
    const done = persistence.queues.journal.finishingFence('done', () => now);
    const conversation = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'c' }, now);
    // Each statement runs more than five times on tables of a row or two: PostgreSQL then plans it generically.
    for (let i = 0; i < 7; i++) {
      await persistence.repos.journal.record([
        {
          dedupe_key: `k${i}`,
          channel: 'messenger',
          page_id: 'P',
          customer_id: 'c',
          conversation_id: conversation.id,
          kind: 'message',
          event_ts: i,
          event: '{}',
          received_at: now,
        },
      ]);
      const event = await persistence.queues.journal.claimHead(conversation.id, options);
      expect(event).toBeDefined();
      expect(await done(persistence.db, event!.lease)).toMatchObject({ affected: 1 });
      await persistence.repos.messages.enqueue({
        conversation_id: conversation.id,
        author: 'bot',
        text: 'x',
        content: '{}',
        attempts: 0,
        created_at: now,
      });
      const reply = await persistence.queues.outbox.claimHead(conversation.id, options);
      expect(reply).toBeDefined();
      expect(await persistence.queues.outbox.complete(reply!.lease, 'sent', now, { mid: null, sent_at: now })).toBe(true);
    }

    expect(await targetScans('update "inbound_events" set status', 'inbound_events')).toEqual(['inbound_events_pkey']);
    expect(await targetScans('\n      update "inbound_events" set lease_owner', 'inbound_events')).toEqual(['inbound_events_pkey']);
    expect(await targetScans('\n      update "messages" set lease_owner', 'messages')).toEqual(['messages_pkey']);
    expect(await targetScans('update "messages" set "status"', 'messages')).toEqual(['messages_pkey']);
  });
});
