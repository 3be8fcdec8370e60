import BetterSqlite3 from 'better-sqlite3';
import { sqliteTestDatabase } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { PersistenceService } from './persistence.service';

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
});
