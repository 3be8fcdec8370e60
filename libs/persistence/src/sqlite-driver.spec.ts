import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { sqliteTestDatabase } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService, Repositories } from './persistence.service';
import { QueryTemplate } from './query-template';

const key = { channel: 'messenger', pageId: '111', customerId: 'psid-1' };

describe('SQLite driver (prepared statements, reader connection)', () => {
  let persistence: PersistenceService;

  beforeEach(async () => {
    const open = await openDatabase(sqliteTestDatabase());
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
  });

  afterEach(async () => {
    await persistence.close();
  });

  it('should prepare a statement once and reuse it', async () => {
    const prepare = jest.spyOn(BetterSqlite3.prototype, 'prepare');
    try {
      await persistence.repos.conversations.findByKey(key);
      const first = prepare.mock.calls.length;
      expect(first).toBeGreaterThan(0);
      for (let i = 0; i < 20; i++) await persistence.repos.conversations.findByKey({ ...key, customerId: `psid-${i}` });
      expect(prepare.mock.calls.length).toBe(first);
    } finally {
      prepare.mockRestore();
    }
  });

  it('should run a read on the writer while no transaction holds it, on the read-only connection while one does', async () => {
    const prepare = jest.spyOn(BetterSqlite3.prototype, 'prepare');
    // Where the lookup's SELECT was prepared (the transaction's BEGIN is prepared on the writer too).
    const preparedOn = () =>
      prepare.mock.contexts
        .filter((_, i) => /^select/i.test(prepare.mock.calls[i][0]))
        .map((db) => ((db as BetterSqlite3.Database).readonly ? 'reader' : 'writer'));
    try {
      // A statement text neither connection has prepared yet, so each connection prepares it once.
      await persistence.repos.conversations.findByKey(key);
      expect(preparedOn()).toEqual(['writer']);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inside!: () => void;
      const started = new Promise<void>((r) => (inside = r));
      const transaction = persistence.transaction(async () => {
        inside();
        await held;
      });
      await started;
      await persistence.repos.conversations.findByKey(key);
      expect(preparedOn()).toEqual(['writer', 'reader']);
      release();
      await transaction;
    } finally {
      prepare.mockRestore();
    }
  });

  it('should serve reads outside a transaction while a transaction is open, showing only committed rows', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    const transaction = persistence.transaction(async (repos) => {
      await repos.conversations.ensure(key, 1000);
      inside();
      await held; // e.g. a slow step inside a unit of work
    });
    await started;
    // Not blocked behind the open transaction, and it does not see its uncommitted row.
    expect(await persistence.repos.conversations.findByKey(key)).toBeUndefined();
    release();
    await transaction;
    expect(await persistence.repos.conversations.findByKey(key)).toBeDefined();
  });

  it('should make a write outside a transaction wait for the open transaction (not join it)', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    const transaction = persistence
      .transaction(async (repos) => {
        await repos.conversations.ensure(key, 1000);
        inside();
        await held;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await started;
    let written = false;
    const write = persistence.repos.conversations.ensure({ ...key, customerId: 'psid-2' }, 1000).then(() => (written = true));
    await new Promise((r) => setImmediate(r));
    expect(written).toBe(false);
    release();
    await transaction;
    await write;
    // The rolled-back transaction took only its own row with it.
    expect(await persistence.repos.conversations.findByKey(key)).toBeUndefined();
    expect(await persistence.repos.conversations.findByKey({ ...key, customerId: 'psid-2' })).toBeDefined();
  });
  it('should let a work-queue claim that finds nothing read beside an open transaction, without one of its own', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    const transaction = persistence.transaction(async (repos) => {
      await repos.conversations.ensure(key, 1000);
      inside();
      await held;
    });
    await started;
    try {
      // Answered while the writer is held (it would wait for it if the claim opened a transaction first).
      expect(await persistence.queues.journal.claim({ owner: 'w', now: 2000, leaseMs: 1000, limit: 8 })).toEqual([]);
    } finally {
      release();
      await transaction;
    }
  });

  describe('hot statements (QueryTemplate) without Kysely’s executor', () => {
    const stateOf = new QueryTemplate((db, id: string) => db.selectFrom('conversations').select('state').where('id', '=', id));
    const setState = new QueryTemplate((db, id: string, state: 'BOT' | 'AGENT') =>
      db.updateTable('conversations').set({ state }).where('id', '=', id),
    );

    it('should run on the pool and inside a transaction, seeing its own writes and rolled back with it', async () => {
      const { id } = await persistence.repos.conversations.ensure(key, 1000);
      const executeQuery = jest.spyOn(Kysely.prototype, 'executeQuery');
      try {
        expect(await stateOf.rows(persistence.db, id)).toEqual([{ state: 'BOT' }]);
        await expect(
          persistence.transaction(async (repos) => {
            expect(await setState.affected(repos.db, id, 'AGENT')).toBe(1);
            expect(await stateOf.rows(repos.db, id)).toEqual([{ state: 'AGENT' }]);
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        expect(await stateOf.rows(persistence.db, id)).toEqual([{ state: 'BOT' }]);
        await persistence.transaction(async (repos) => void (await setState.affected(repos.db, id, 'AGENT')));
        expect(await stateOf.rows(persistence.db, id)).toEqual([{ state: 'AGENT' }]);
        expect(executeQuery).not.toHaveBeenCalled();
      } finally {
        executeQuery.mockRestore();
      }
    });

    it('should make a write outside a transaction wait for the open one (not join it)', async () => {
      const { id } = await persistence.repos.conversations.ensure(key, 1000);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inside!: () => void;
      const started = new Promise<void>((r) => (inside = r));
      const transaction = persistence
        .transaction(async (repos) => {
          await setState.affected(repos.db, id, 'AGENT');
          inside();
          await held;
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await started;
      // A read outside sees the committed state (the reader connection), a write waits.
      expect(await stateOf.rows(persistence.db, id)).toEqual([{ state: 'BOT' }]);
      let written = false;
      const direct = setState.affected(persistence.db, id, 'AGENT').then(() => (written = true));
      await new Promise((r) => setImmediate(r));
      expect(written).toBe(false);
      release();
      await Promise.all([transaction, direct]);
      expect(await stateOf.rows(persistence.db, id)).toEqual([{ state: 'AGENT' }]);
    });

    it('should refuse a transaction used after its end, not run in the transaction open then', async () => {
      const { id } = await persistence.repos.conversations.ensure(key, 1000);
      let stale!: Repositories;
      await persistence.transaction(async (repos) => void (stale = repos));
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inside!: () => void;
      const started = new Promise<void>((r) => (inside = r));
      const other = persistence.transaction(async () => {
        inside();
        await held;
        throw new Error('roll back');
      });
      await started;
      await expect(setState.affected(stale.db, id, 'AGENT')).rejects.toThrow(/committed/);
      release();
      await expect(other).rejects.toThrow('roll back');
      expect(await stateOf.rows(persistence.db, id)).toEqual([{ state: 'BOT' }]);
    });

    it('should go through Kysely in a transaction that was not bound (Kysely’s own transaction())', async () => {
      const { id } = await persistence.repos.conversations.ensure(key, 1000);
      const executeQuery = jest.spyOn(Kysely.prototype, 'executeQuery');
      try {
        await persistence.db.transaction().execute(async (trx) => {
          expect(await setState.affected(trx, id, 'AGENT')).toBe(1);
        });
        expect(executeQuery).toHaveBeenCalledTimes(1);
        expect(await stateOf.rows(persistence.db, id)).toEqual([{ state: 'AGENT' }]);
      } finally {
        executeQuery.mockRestore();
      }
    });
  });
});
