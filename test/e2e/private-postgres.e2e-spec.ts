import { Client } from 'pg';
import { PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres';

/** The outage tests' own PostgreSQL: starts, stops (connections refused), starts again with the data kept. */
describe('private PostgreSQL for outage tests', () => {
  let pg: PrivatePostgres;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
  }, 60_000);

  afterAll(async () => {
    await pg?.destroy();
  });

  async function query(sql: string): Promise<unknown[]> {
    const client = new Client({ connectionString: pg.url, connectionTimeoutMillis: 2000 });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it('runs on its own port, stops and starts again with its data', async () => {
    expect(pg.port).not.toBe(5432);
    await query('create table kept (v int); insert into kept values (42)');
    await pg.stop();
    expect(pg.isRunning()).toBe(false);
    await expect(query('select 1')).rejects.toThrow();
    await pg.start();
    expect(await query('select v from kept')).toEqual([{ v: 42 }]);
  }, 60_000);
});
