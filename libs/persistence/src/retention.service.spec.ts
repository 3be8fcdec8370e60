import { loadCcmConfig } from '@app/config';
import { ListedExtensions } from '@app/core';
import { FakeClock } from '@app/testing';
import { migrateToLatest, openDatabase } from './create-database';
import { LeaderElection } from './leader-election';
import { PersistenceService } from './persistence.service';
import { RetentionService } from './retention.service';

const DAY = 24 * 60 * 60 * 1000;

describe('RetentionService', () => {
  let persistence: PersistenceService;
  let clock: FakeClock;
  let retention: RetentionService;

  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
    clock = new FakeClock();
    const config = loadCcmConfig({
      FACEBOOK_APP_SECRET: 'test-app-secret',
      FACEBOOK_VERIFY_TOKEN: 'test-verify-token',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'test-page-token',
      FACEBOOK_PAGE_ID: '111',
      RETENTION_DAYS: '3',
      AUDIT_RETENTION_DAYS: '30',
    });
    retention = new RetentionService(
      persistence,
      new LeaderElection({ database: { dialect: 'sqlite', url: ':memory:' } }),
      config,
      clock,
      new ListedExtensions([]),
    );
  });

  afterEach(() => persistence.close());

  async function journal(key: string, status: 'pending' | 'done' | 'dead', processedAt: number | null): Promise<void> {
    await persistence.db
      .insertInto('inbound_events')
      .values({
        dedupe_key: key,
        channel: 'messenger',
        page_id: '111',
        customer_id: null,
        conversation_id: null,
        kind: 'message',
        event_ts: 0,
        event: '{}',
        status,
        attempts: 0,
        next_attempt_at: 0,
        last_error: null,
        received_at: processedAt ?? clock.now(),
        processed_at: processedAt,
      })
      .execute();
  }

  const keys = async () =>
    (await persistence.db.selectFrom('inbound_events').select('dedupe_key').orderBy('id').execute()).map((r) => r.dedupe_key);

  it('should delete processed events older than RETENTION_DAYS and keep newer, pending and dead ones', async () => {
    const now = clock.now();
    await journal('old-done', 'done', now - 4 * DAY);
    await journal('recent-done', 'done', now - 2 * DAY);
    await journal('old-dead', 'dead', now - 10 * DAY);
    await journal('pending', 'pending', null);

    expect(await retention.prune()).toMatchObject({ inboundEvents: 1 });
    expect(await keys()).toEqual(['recent-done', 'old-dead', 'pending']);

    clock.advance(2 * DAY); // 'recent-done' is now 4 days old
    expect(await retention.prune()).toMatchObject({ inboundEvents: 1 });
    expect(await keys()).toEqual(['old-dead', 'pending']);
  });

  it('should delete delivered bridge events and old login failures, and audit rows by their own retention', async () => {
    const now = clock.now();
    await persistence.db
      .insertInto('login_failures')
      .values([
        { username: 'a', ip: '1.1.1.1', failed_at: now - 4 * DAY },
        { username: 'b', ip: '1.1.1.1', failed_at: now - DAY },
      ])
      .execute();
    const audit = (actor: string, createdAt: number) => ({
      actor,
      action: 'routing.update',
      target: '111',
      before_value: null,
      after_value: null,
      created_at: createdAt,
    });
    await persistence.db
      .insertInto('admin_audit')
      .values([audit('old', now - 31 * DAY), audit('kept', now - 4 * DAY)])
      .execute();

    const conversation = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: '111', customerId: 'c' }, now);
    const bridge = (key: string, status: 'delivered' | 'dead', at: number) => ({
      dedupe_key: key,
      conversation_id: conversation.id,
      event_type: 'message.created',
      message_id: null,
      payload: '{}',
      status,
      attempts: 1,
      next_attempt_at: at,
      lease_until: null,
      last_error: null,
      created_at: at,
      delivered_at: status === 'delivered' ? at : null,
    });
    await persistence.db
      .insertInto('bridge_outbox')
      .values([bridge('old-delivered', 'delivered', now - 4 * DAY), bridge('old-dead', 'dead', now - 4 * DAY)])
      .execute();

    expect(await retention.prune()).toEqual({ inboundEvents: 0, bridgeEvents: 1, loginFailures: 1, auditRows: 1, tasks: {} });
    expect((await persistence.db.selectFrom('bridge_outbox').select('dedupe_key').execute()).map((r) => r.dedupe_key)).toEqual([
      'old-dead',
    ]);
    expect((await persistence.db.selectFrom('login_failures').select('username').execute()).map((r) => r.username)).toEqual(['b']);
    expect((await persistence.db.selectFrom('admin_audit').select('actor').execute()).map((r) => r.actor)).toEqual(['kept']);
  });
});
