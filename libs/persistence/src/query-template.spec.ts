import { TEST_DIALECTS, testDatabase } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';
import { ConversationRow } from './database.types';
import { QueryTemplate } from './query-template';
import { sql } from 'kysely';

describe.each(TEST_DIALECTS)('QueryTemplate on %s', (dialect) => {
  let persistence: PersistenceService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const test =
      dialect === 'sqlite' ? { config: { dialect, url: ':memory:' } as const, cleanup: async () => undefined } : testDatabase(dialect);
    cleanup = test.cleanup;
    const open = await openDatabase(test.config);
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
  });

  afterEach(async () => {
    await persistence.close();
    await cleanup();
  });

  it('should build once and run with each call’s values, on the pool and inside a transaction', async () => {
    const a = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'a' }, 1000);
    const b = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'b' }, 1000);
    const build = jest.fn((db: PersistenceService['db'], id: string, state: ConversationRow['state']) =>
      db
        .selectFrom('conversations')
        .select(['id', 'customer_id'])
        .where('id', '=', id)
        .where('state', '=', state)
        .where('page_id', '=', 'P'),
    );
    const byId = new QueryTemplate(build);
    expect(await byId.rows(persistence.db, a.id, 'BOT')).toEqual([{ id: a.id, customer_id: 'a' }]);
    expect(await byId.rows(persistence.db, b.id, 'BOT')).toEqual([{ id: b.id, customer_id: 'b' }]);
    expect(await byId.rows(persistence.db, b.id, 'AGENT')).toEqual([]);
    await persistence.transaction(async (repos) => {
      await repos.conversations.update(a.id, { state: 'AGENT' });
      // Inside the transaction: sees its own uncommitted write.
      expect(await byId.rows(repos.db, a.id, 'AGENT')).toEqual([{ id: a.id, customer_id: 'a' }]);
    });
    expect(build).toHaveBeenCalledTimes(1);
    const touch = new QueryTemplate((db, id: string, reason: string | null) =>
      db.updateTable('conversations').set({ handover_reason: reason }).where('id', '=', id),
    );
    expect(await touch.affected(persistence.db, a.id, 'why')).toBe(1);
    expect(await touch.affected(persistence.db, 'nobody', 'why')).toBe(0);
    expect((await persistence.repos.conversations.findById(a.id))!.handover_reason).toBe('why');
    expect(await touch.affected(persistence.db, a.id, null)).toBe(1);
    expect((await persistence.repos.conversations.findById(a.id))!.handover_reason).toBeNull();
  });

  if (dialect === 'postgres')
    it('should run as a named prepared statement on PostgreSQL (parsed and planned once per connection), other statements unnamed', async () => {
      const a = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'a' }, 1000);
      const byCustomer = new QueryTemplate((db, customer: string) =>
        db.selectFrom('conversations').select('id').where('customer_id', '=', customer).where('page_id', '=', 'P'),
      );
      // One transaction: one connection, whose prepared statements PostgreSQL lists.
      const prepared = await persistence.transaction(async (repos) => {
        expect(await byCustomer.rows(repos.db, 'a')).toEqual([{ id: a.id }]);
        expect(await byCustomer.rows(repos.db, 'nobody')).toEqual([]);
        await sql`select id from conversations where customer_id = ${'a'}`.execute(repos.db);
        const rows = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(repos.db);
        return rows.rows.map((r) => r.statement);
      });
      expect(prepared.filter((text) => text.includes('"customer_id" = $1') && text.includes('"page_id" = $2'))).toHaveLength(1);
      expect(prepared.some((text) => text.includes('select id from conversations'))).toBe(false);
    });
});
