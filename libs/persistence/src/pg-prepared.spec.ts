import { sql } from 'kysely';
import { Client } from 'pg';
import { dropPostgresSchema, postgresTestDatabase, TEST_PG_URL } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';
import { QueryTemplate } from './query-template';
import { BeginThenQuery, isPreparedOnPostgres, prepareOnPostgres } from './pg-prepared';

describe('named prepared statements on PostgreSQL', () => {
  let persistence: PersistenceService;
  let schema: string;

  beforeEach(async () => {
    const config = postgresTestDatabase();
    schema = config.schema;
    // One connection: the one that prepared the statements is the one that runs them after the migration.
    const open = await openDatabase({ ...config, poolSize: 1 });
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
  });

  afterEach(async () => {
    await persistence.close();
    await dropPostgresSchema(schema);
  });

  /** What another replica's migration does: ALTER TABLE … ADD COLUMN, from a connection of its own. */
  async function addColumnElsewhere(table: string): Promise<void> {
    const client = new Client({ connectionString: TEST_PG_URL, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      await client.query(`alter table ${table} add column added_by_another_replica text`);
    } finally {
      await client.end();
    }
  }

  it('should keep running the hot statements that read or return whole rows after another replica adds a column', async () => {
    const conversation = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'c' }, 1000);
    const claimOptions = { owner: 'me', now: 2000, leaseMs: 1000 };
    // Run each once on the pool's only connection (before the fix: prepared there, result columns fixed).
    expect((await persistence.repos.conversations.findById(conversation.id))!.id).toBe(conversation.id);
    expect(await persistence.repos.messages.findById(1)).toBeUndefined();
    expect(await persistence.queues.journal.claimHead(conversation.id, claimOptions)).toBeUndefined();

    await addColumnElsewhere('conversations');
    await addColumnElsewhere('messages');
    await addColumnElsewhere('inbound_events');

    // Before the fix: 0A000 cached plan must not change result type.
    expect((await persistence.repos.conversations.findById(conversation.id))!.id).toBe(conversation.id);
    expect(await persistence.repos.messages.findById(1)).toBeUndefined();
    expect(await persistence.queues.journal.claimHead(conversation.id, claimOptions)).toBeUndefined();
    // Prepared again under new names: the whole-row statements keep their prepared benefit.
    const idOnly = new QueryTemplate((db, id: string) => db.selectFrom('conversations').select(['id']).where('id', '=', id));
    expect(await idOnly.rows(persistence.db, conversation.id)).toEqual([{ id: conversation.id }]);
    const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(persistence.db);
    expect(prepared.rows.map((r) => r.statement)).toContain('select "id" from "conversations" where "id" = $1');
    expect(prepared.rows.map((r) => r.statement)).toContain('select * from "conversations" where "id" = $1');
  });

  it('should fail only the transaction in flight when another replica adds a column under a prepared whole-row read', async () => {
    const conversation = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 't' }, 1000);
    const read = () => persistence.transaction(async (repos) => (await repos.conversations.findById(conversation.id))!.id);
    // Twice, so the read runs named and prepared on the pool's only connection.
    expect(await read()).toBe(conversation.id);
    expect(await read()).toBe(conversation.id);

    await addColumnElsewhere('conversations');

    // PostgreSQL aborted the transaction: nothing to send again inside it; its caller retries.
    await expect(read()).rejects.toThrow('cached plan must not change result type');
    expect(await read()).toBe(conversation.id);
    expect(await read()).toBe(conversation.id);
  });

  it('should prepare a parameterised statement built per call from its second run, never one run once or a text without parameters', async () => {
    const conversation = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'c' }, 1000);
    const built = (id: string) => persistence.db.selectFrom('conversations').select(['id', 'page_id']).where('id', '=', id);
    const once = persistence.db.selectFrom('conversations').select(['customer_id']).where('page_id', '=', 'P');
    const whole = (id: string) => persistence.db.selectFrom('conversations').selectAll().where('id', '=', id);
    const text = built('x').compile().sql;
    expect(isPreparedOnPostgres(text)).toBe(false);
    expect(await built(conversation.id).execute()).toEqual([{ id: conversation.id, page_id: 'P' }]);
    expect(isPreparedOnPostgres(text)).toBe(false);
    expect(await built('nobody').execute()).toEqual([]);
    expect(isPreparedOnPostgres(text)).toBe(true);
    // Named and prepared, it still answers for other values.
    expect(await built(conversation.id).execute()).toEqual([{ id: conversation.id, page_id: 'P' }]);
    expect(await once.execute()).toEqual([{ customer_id: 'c' }]);
    await whole(conversation.id).execute();
    await whole(conversation.id).execute();
    await sql`select 1`.execute(persistence.db);
    await sql`select 1`.execute(persistence.db);
    const prepared = (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(persistence.db)).rows.map(
      (r) => r.statement,
    );
    expect(prepared).toContain(text);
    expect(prepared).not.toContain(once.compile().sql);
    expect(prepared).toContain(whole('x').compile().sql);
    expect(prepared).not.toContain('select 1');
  });

  describe("a transaction's BEGIN sent with its first statement", () => {
    /** Round trips the pool's only connection makes (ReadyForQuery ends each) while `work` runs. */
    async function roundTrips(work: () => Promise<unknown>): Promise<number> {
      let count = 0;
      const { Connection } = jest.requireActual<{ Connection: { prototype: { emit: (...a: unknown[]) => boolean } } }>('pg');
      const emit = Connection.prototype.emit;
      const spy = jest.spyOn(Connection.prototype, 'emit').mockImplementation(function (this: unknown, ...args: unknown[]) {
        if (args[0] === 'readyForQuery') count += 1;
        return emit.apply(this, args);
      });
      try {
        await work();
      } finally {
        spy.mockRestore();
      }
      return count;
    }

    it('should commit a transaction in one round trip fewer, its writes together', async () => {
      await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'warm' }, 1000);
      const trips = await roundTrips(() =>
        persistence.db.transaction().execute(async (trx) => {
          await trx.updateTable('conversations').set({ updated_at: 5 }).where('customer_id', '=', 'warm').execute();
          await trx.updateTable('conversations').set({ last_user_event_at: 6 }).where('customer_id', '=', 'warm').execute();
        }),
      );
      // BEGIN + first update, second update, COMMIT (4 with BEGIN on its own).
      expect(trips).toBe(3);
      const row = await persistence.db
        .selectFrom('conversations')
        .select(['updated_at', 'last_user_event_at'])
        .where('customer_id', '=', 'warm')
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ updated_at: 5, last_user_event_at: 6 });
    });

    it('should roll back the first statement with the rest, and keep the connection usable after a failed first statement', async () => {
      await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'r' }, 1000);
      await expect(
        persistence.db.transaction().execute(async (trx) => {
          await trx.updateTable('conversations').set({ updated_at: 7 }).where('customer_id', '=', 'r').execute();
          await sql`select 1 / ${0}::int`.execute(trx);
        }),
      ).rejects.toThrow('division by zero');
      await expect(
        persistence.db.transaction().execute(async (trx) => {
          await sql`select 1 / ${0}::int`.execute(trx);
        }),
      ).rejects.toThrow('division by zero');
      const rows = await persistence.db.selectFrom('conversations').select(['updated_at']).where('customer_id', '=', 'r').execute();
      expect(rows).toEqual([{ updated_at: 1000 }]);
      // The connection is out of any transaction again: an autocommit write stays written.
      await persistence.db.updateTable('conversations').set({ updated_at: 8 }).where('customer_id', '=', 'r').execute();
      expect(
        (await persistence.db.selectFrom('conversations').select(['updated_at']).where('customer_id', '=', 'r').execute())[0].updated_at,
      ).toBe(8);
    });

    it('should run an empty transaction and one opening with a statement without parameters', async () => {
      expect(await persistence.db.transaction().execute(async () => 'nothing')).toBe('nothing');
      const result = await persistence.db.transaction().execute(async (trx) => {
        const first = await sql<{ n: number }>`select 41 + 1 as n`.execute(trx);
        const open = await sql<{ open: boolean }>`select now() = statement_timestamp() as open`.execute(trx);
        return [first.rows[0].n, open.rows[0].open];
      });
      // Inside a transaction now() is the transaction's start, earlier than the second statement's.
      expect(result).toEqual([42, false]);
    });
  });

  it('should name the texts marked as hot, whole-row ones included', () => {
    for (const text of [
      'select "id", "count"(*) from "conversations" where "id" = $1',
      'select * from "conversations" where "id" = $1 and "page_id" = $2',
      'update t set a = $1 where id = $2\n      returning *',
    ]) {
      prepareOnPostgres(text);
      expect(isPreparedOnPostgres(text)).toBe(true);
    }
  });
});

describe('BeginThenQuery (a fake connection: what node-postgres sees)', () => {
  /** Records the protocol messages written; the bookkeeping node-postgres keeps per connection. */
  function fakeConnection() {
    const sent: string[] = [];
    const record = (kind: string) => (message?: { text?: string; name?: string; statement?: string }) =>
      sent.push(`${kind}${message?.text ? ` ${message.text}` : ''}${message?.name ? ` [${message.name}]` : ''}`);
    return {
      sent,
      parsedStatements: {} as Record<string, string>,
      submittedNamedStatements: {} as Record<string, string | undefined>,
      stream: { cork: () => undefined, uncork: () => undefined },
      parse: record('parse'),
      bind: record('bind'),
      describe: record('describe'),
      execute: record('execute'),
      sync: record('sync'),
      flush: record('flush'),
    };
  }

  it('should write BEGIN ahead of the statement under one Sync, and hide the statement name until BEGIN completed', () => {
    const connection = fakeConnection();
    const query = new BeginThenQuery({ name: 'ccm_1_0', text: 'update t set a = $1', values: [1] });
    expect(query.submit(connection as never)).toBeNull();
    expect(connection.sent).toEqual([
      'parse begin',
      'bind',
      'execute',
      'parse update t set a = $1 [ccm_1_0]',
      'bind',
      'describe',
      'execute',
      'sync',
    ]);
    // BEGIN's ParseComplete must not count as the named statement's.
    expect(query.name).toBeUndefined();
    query.handleCommandComplete({ text: 'BEGIN' }, connection as never);
    expect(query.name).toBe('ccm_1_0');
  });

  it('should report a failed BEGIN as the query failing, and forget the statement it skipped', async () => {
    const connection = fakeConnection();
    const outcome = new Promise((resolve, reject) => {
      const query = new BeginThenQuery({ name: 'ccm_2_0', text: 'update t set a = $1', values: [1] }, undefined, (error: Error | null) =>
        error ? reject(error) : resolve('ran'),
      );
      query.submit(connection as never);
      expect(connection.submittedNamedStatements['ccm_2_0']).toBe('update t set a = $1');
      query.handleError(new Error('begin refused'), connection as never);
      // PostgreSQL skipped the statement up to the Sync: it was never parsed, so it is parsed next time.
      expect(connection.submittedNamedStatements['ccm_2_0']).toBeUndefined();
      expect(query.name).toBe('ccm_2_0');
    });
    await expect(outcome).rejects.toThrow('begin refused');
  });
});
