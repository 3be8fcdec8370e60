import { sql } from 'kysely';
import { sqliteTestDatabase } from '@app/testing';
import { openDatabase, otherSchemaDropped } from './create-database';

describe('openDatabase on SQLite', () => {
  it("should keep the writer's statement journals and temporary files in memory (temp_store = MEMORY)", async () => {
    const open = await openDatabase(sqliteTestDatabase());
    try {
      // A pragma is not a read: it runs on the writer.
      const { rows } = await sql<{ temp_store: number }>`pragma temp_store`.execute(open.db);
      expect(rows).toEqual([{ temp_store: 2 }]);
    } finally {
      await open.db.destroy();
    }
  });
});

describe('otherSchemaDropped', () => {
  const dropped = (schema: string) => Object.assign(new Error(`schema "${schema}" does not exist`), { code: '3F000' });

  it('should retry when another schema vanished under the migration table look-up', () => {
    expect(otherSchemaDropped(dropped('bench_3c6c8378'), 'ccm_t_1')).toBe(true);
    expect(otherSchemaDropped(dropped('ccm_t_2'), undefined)).toBe(true);
  });

  it('should not retry when the missing schema is this database’s own, or the error is another one', () => {
    expect(otherSchemaDropped(dropped('ccm_t_1'), 'ccm_t_1')).toBe(false);
    expect(otherSchemaDropped(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }), 'ccm_t_1')).toBe(false);
    expect(otherSchemaDropped(new Error('schema "x" does not exist'), 'ccm_t_1')).toBe(false);
    expect(otherSchemaDropped(undefined, 'ccm_t_1')).toBe(false);
  });
});
