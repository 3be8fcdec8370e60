import { TEST_DIALECTS, testDatabase } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { PageRowCache } from './page-row-cache';
import { PersistenceService } from './persistence.service';

describe('PageRowCache', () => {
  it('should serve a row for ttlMs, then read it again', async () => {
    let now = 1000;
    const cache = new PageRowCache(1000, () => now);
    let reads = 0;
    const load = () => Promise.resolve(++reads);
    expect(await cache.read('page_states', 'p1', load)).toBe(1);
    now += 999;
    expect(await cache.read('page_states', 'p1', load)).toBe(1);
    expect(await cache.read('page_settings', 'p1', load)).toBe(2); // another table, its own entry
    now += 1;
    expect(await cache.read('page_states', 'p1', load)).toBe(3);
    cache.invalidate('page_states', 'p1');
    expect(await cache.read('page_states', 'p1', load)).toBe(4);
  });
});

describe.each(TEST_DIALECTS)('cached Page rows on %s', (dialect) => {
  let persistence: PersistenceService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const test = testDatabase(dialect);
    cleanup = test.cleanup;
    const open = await openDatabase(test.config);
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
  });

  afterEach(async () => {
    await persistence.close();
    await cleanup();
  });

  it("should see this instance's own writes at once, outside and inside transactions", async () => {
    const { pageStates, pageSettings } = persistence.repos;
    expect(await pageStates.getCached('p1')).toBeUndefined();
    await pageStates.markTokenInvalid('p1', 'expired', 1000);
    expect((await pageStates.getCached('p1'))?.token_status).toBe('invalid');

    expect(await pageSettings.getCached('p1')).toBeUndefined();
    await persistence.transaction(async (repos) => {
      await repos.pageSettings.upsert('p1', { routing_policy: 'AGENT_ONLY' }, 'test', 1000);
      // Read (and cached) by someone else before the commit: still the committed (empty) state…
      expect(await pageSettings.getCached('p1')).toBeUndefined();
      await repos.pageStates.markTokenValid('p1', 1001);
    });
    // …and dropped again once the transaction committed.
    expect((await pageSettings.getCached('p1'))?.routing_policy).toBe('AGENT_ONLY');
    expect((await pageStates.getCached('p1'))?.token_status).toBe('valid');
  });

  it('should not keep a rolled-back write', async () => {
    await persistence.repos.pageSettings.upsert('p1', { routing_policy: 'BOT_ONLY' }, 'test', 1000);
    await expect(
      persistence.transaction(async (repos) => {
        await repos.pageSettings.upsert('p1', { routing_policy: 'AGENT_ONLY' }, 'test', 1001);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await persistence.repos.pageSettings.getCached('p1'))?.routing_policy).toBe('BOT_ONLY');
  });
});
