import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { postgresTestDatabase, TEST_PG_URL } from '@app/testing';
import { LeaderElection } from './leader-election';

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(LeaderElection.name, () => {
  it('should make the only SQLite instance the leader', async () => {
    const election = new LeaderElection({ database: { dialect: 'sqlite', url: ':memory:' } });
    await election.start();
    expect(election.isLeader).toBe(true);
    await election.stop();
  });

  it('should elect one PostgreSQL instance and fail over when its session dies', async () => {
    const database = postgresTestDatabase();
    const name = `ccm-test-${randomBytes(4).toString('hex')}`;
    // a stands for a process that dies: it does not come back (soon) to compete for the lock.
    const a = new LeaderElection({ database, retryMs: 60_000, applicationName: `${name}-a` });
    const b = new LeaderElection({ database, retryMs: 100, applicationName: `${name}-b` });
    // Another schema is another deployment, with its own leader.
    const other = new LeaderElection({ database: postgresTestDatabase(), retryMs: 100, applicationName: `${name}-o` });
    const admin = new Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      await a.start();
      await b.start();
      await other.start();
      expect([a.isLeader, b.isLeader, other.isLeader]).toEqual([true, false, true]);
      let told = 0;
      b.onLeadership(() => (told += 1));

      // The leader's process dies: PostgreSQL ends its session (as after a SIGKILL) and the lock is free.
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [`${name}-a`]);
      expect(killed.rowCount).toBe(1);
      await until(() => b.isLeader);
      expect(told).toBe(1);
      await until(() => !a.isLeader);
      expect([a.isLeader, b.isLeader, other.isLeader]).toEqual([false, true, true]);

      // A graceful stop hands over too.
      const c = new LeaderElection({ database, retryMs: 100, applicationName: `${name}-c` });
      await c.start();
      expect(c.isLeader).toBe(false);
      await b.stop();
      await until(() => c.isLeader);
      await c.stop();
    } finally {
      await a.stop();
      await b.stop();
      await other.stop();
      await admin.end();
    }
  });
});
