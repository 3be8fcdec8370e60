import { Kysely, Migrator, sql } from 'kysely';
import { openDatabase } from './create-database';
import { MigrationSet, schemaMigrationProvider } from './schema-migrations';

/** A migration that records that it ran, in the order it ran. */
function recorder(log: string[], name: string) {
  return {
    async up(db: Kysely<unknown>) {
      log.push(name);
      await sql`select 1`.execute(db);
    },
  };
}

describe('schemaMigrationProvider', () => {
  it("should merge several libs' sets into one list sorted by name", async () => {
    const log: string[] = [];
    const a: MigrationSet = { owner: 'a', migrations: { '0500_a': recorder(log, '0500_a'), '0001_a': recorder(log, '0001_a') } };
    const b: MigrationSet = { owner: 'b', migrations: { '0200_b': recorder(log, '0200_b') } };
    const provider = schemaMigrationProvider('sqlite', [a, b]);
    expect(Object.keys(await provider.getMigrations())).toEqual(['0001_a', '0200_b', '0500_a']);

    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    try {
      const { error, results } = await new Migrator({ db: open.db, provider }).migrateToLatest();
      expect(error).toBeUndefined();
      expect(results?.map((r) => r.migrationName)).toEqual(['0001_a', '0200_b', '0500_a']);
      expect(log).toEqual(['0001_a', '0200_b', '0500_a']);
    } finally {
      await open.db.destroy();
    }
  });

  it('should refuse a name two libs declare, naming both', () => {
    const log: string[] = [];
    const a: MigrationSet = { owner: 'desk', migrations: { '0500_x': recorder(log, 'x') } };
    const b: MigrationSet = { owner: 'meta', migrations: { '0500_x': recorder(log, 'x') } };
    expect(() => schemaMigrationProvider('sqlite', [a, b])).toThrow('Migration 0500_x is declared by both desk and meta');
  });

  it('should take a set listed twice once', async () => {
    const a: MigrationSet = { owner: 'a', migrations: { '0001_a': recorder([], 'a') } };
    expect(Object.keys(await schemaMigrationProvider('sqlite', [a, a]).getMigrations())).toEqual(['0001_a']);
  });

  it('should give each migration an auto-increment id helper for its dialect', async () => {
    const set: MigrationSet = {
      owner: 't',
      migrations: {
        '0001_t': {
          async up(db, { serialId, dialect }) {
            expect(dialect).toBe('sqlite');
            await serialId(db, 'things').addColumn('name', 'text').execute();
          },
        },
      },
    };
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    try {
      await new Migrator({ db: open.db, provider: schemaMigrationProvider('sqlite', [set]) }).migrateToLatest();
      await sql`insert into things (name) values ('a'), ('b')`.execute(open.db);
      const { rows } = await sql<{ id: number }>`select id from things order by id`.execute(open.db);
      expect(rows.map((r) => r.id)).toEqual([1, 2]);
    } finally {
      await open.db.destroy();
    }
  });
});
