import { ConversationUnit } from '@app/conversations';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock } from '@app/testing';
import { mapMessengerWebhook } from './messenger-event.mapper';
import { PagePolicyApplier } from './page-policy.applier';

describe('PagePolicyApplier', () => {
  let persistence: PersistenceService;
  const clock = new FakeClock();
  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
  });
  afterEach(() => persistence.close());

  const policyEvent = (action: string, key = 'policy_enforcement') =>
    mapMessengerWebhook({
      object: 'page',
      entry: [{ id: '111', time: 1, messaging: [{ recipient: { id: '111' }, timestamp: clock.now(), [key]: { action, reason: 'spam' } }] }],
    }).events[0];

  it('should stop a blocked Page with Meta’s reason and resume it when unblocked', async () => {
    const applier = new PagePolicyApplier();
    await persistence.transaction((repos) => applier.apply(new ConversationUnit(repos, clock.now()), policyEvent('block')));
    expect(await persistence.repos.pageStates.get('111')).toMatchObject({ blocked: 1, block_reason: 'spam' });
    await persistence.transaction((repos) =>
      applier.apply(new ConversationUnit(repos, clock.advance(1000)), policyEvent('unblock', 'policy-enforcement')),
    );
    expect(await persistence.repos.pageStates.get('111')).toMatchObject({ blocked: 0, block_reason: null });
  });

  it('should only log other notices', async () => {
    await persistence.transaction((repos) =>
      new PagePolicyApplier().apply(new ConversationUnit(repos, clock.now()), policyEvent('warning')),
    );
    expect(await persistence.repos.pageStates.get('111')).toBeUndefined();
  });
});
