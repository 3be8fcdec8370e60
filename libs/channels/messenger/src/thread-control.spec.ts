import { loadCcmConfig } from '@app/config';
import { ConversationBus, ConversationUnit } from '@app/conversations';
import { GraphApiGateway, InProcessPagePacer, PageDirectory, THREAD_CONTROL_IDLE_MS } from '@app/meta';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock } from '@app/testing';
import { mapMessengerWebhook } from './messenger-event.mapper';
import { PAGE_INBOX_APP_ID, ThreadControlApplier, ThreadControlService } from './thread-control';

const PAGE = '111';
const OUR_APP = '880000000000001';

/**
 * Thread ownership on a real (in-memory) database with a fake clock: handover events set the owner and
 * when its control lapses; a request is granted or declined by the conversation's state; lapsed control
 * is cleared once. (The Graph calls themselves are covered over HTTP by the conversation-routing e2e.)
 */
describe('Conversation Routing: ThreadControlApplier and lapsed control', () => {
  let persistence: PersistenceService;
  let clock: FakeClock;
  let bus: ConversationBus;
  let service: ThreadControlService;
  let applier: ThreadControlApplier;
  const config = loadCcmConfig({
    FACEBOOK_APP_SECRET: 'secret-for-tests',
    FACEBOOK_VERIFY_TOKEN: 'verify',
    FACEBOOK_PAGE_ACCESS_TOKEN: 'token',
    FACEBOOK_PAGE_ID: PAGE,
    FACEBOOK_APP_ID: OUR_APP,
  });

  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open);
    persistence = new PersistenceService(open);
    clock = new FakeClock();
    bus = new ConversationBus();
    const gateway = new GraphApiGateway(config, new InProcessPagePacer(config.messenger.sendRatePerPage));
    service = new ThreadControlService(config, gateway, persistence, new PageDirectory(config, persistence, gateway), bus, clock);
    applier = new ThreadControlApplier(config, service);
  });
  afterEach(() => persistence.close());

  const handover = (psid: string, change: Record<string, unknown>, timestamp = clock.now()) =>
    mapMessengerWebhook({
      object: 'page',
      entry: [{ id: PAGE, time: timestamp, messaging: [{ sender: { id: psid }, recipient: { id: PAGE }, timestamp, ...change }] }],
    }).events[0];

  async function conversation(psid: string, state: 'BOT' | 'AGENT' = 'BOT') {
    const row = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: PAGE, customerId: psid }, clock.now());
    if (state !== 'BOT') await persistence.repos.conversations.update(row.id, { state });
    return (await persistence.repos.conversations.findById(row.id))!;
  }

  async function apply(psid: string, change: Record<string, unknown>, timestamp?: number): Promise<ConversationUnit> {
    const row = (await persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE, customerId: psid }))!;
    let unit!: ConversationUnit;
    await persistence.transaction(async (repos) => {
      unit = new ConversationUnit(repos, clock.now());
      await applier.apply(unit, handover(psid, change, timestamp), row);
    });
    return unit;
  }

  it("should store another app's ownership with its lapse time, and clear it when ccm gets the thread back", async () => {
    const { id } = await conversation('psid-1');
    await apply('psid-1', { take_thread_control: { previous_owner_app_id: OUR_APP, new_owner_app_id: PAGE_INBOX_APP_ID } });
    expect(await persistence.repos.conversations.findById(id)).toMatchObject({
      thread_owner: PAGE_INBOX_APP_ID,
      thread_owner_expires_at: clock.now() + THREAD_CONTROL_IDLE_MS,
    });
    await apply('psid-1', { pass_thread_control: { previous_owner_app_id: PAGE_INBOX_APP_ID, new_owner_app_id: OUR_APP } });
    expect(await persistence.repos.conversations.findById(id)).toMatchObject({ thread_owner: null, thread_owner_expires_at: null });
  });

  it('should grant a request for a bot conversation (a pass after the commit) and decline it while an agent has it', async () => {
    await conversation('psid-bot');
    const granted = await apply('psid-bot', { request_thread_control: { requested_owner_app_id: PAGE_INBOX_APP_ID } });
    expect(granted.afterCommitWork).toHaveLength(1); // pass_thread_control, once the event is committed

    const { id } = await conversation('psid-agent', 'AGENT');
    const declined = await apply('psid-agent', { request_thread_control: { requested_owner_app_id: PAGE_INBOX_APP_ID, metadata: 'Sam' } });
    expect(declined.afterCommitWork).toHaveLength(0);
    const trail = await persistence.repos.conversationEvents.listForConversation(id);
    expect(trail.find((e) => e.type === 'thread_control_request_declined')?.reason).toBe(
      'the Page inbox asked for the thread (Sam); kept: an agent is handling the conversation in ccm',
    );
    expect((await persistence.repos.conversations.findById(id))?.thread_owner).toBeNull();
  });

  it('should clear control that lapsed (24 h without activity) exactly once, and keep control that has not', async () => {
    const lapsed = await conversation('psid-old');
    const fresh = await conversation('psid-new');
    await apply('psid-old', { take_thread_control: { new_owner_app_id: PAGE_INBOX_APP_ID } }, clock.now() - 2 * 3600_000);
    await apply('psid-new', { take_thread_control: { new_owner_app_id: PAGE_INBOX_APP_ID } });
    const published: string[] = [];
    bus.subscribe((event) => void published.push(event.conversationId));

    clock.advance(THREAD_CONTROL_IDLE_MS - 3600_000); // 23 h later: the first one's 24 h are over, the second's not
    expect(await service.clearLapsed()).toBe(1);
    expect(await service.clearLapsed()).toBe(0);
    expect((await persistence.repos.conversations.findById(lapsed.id))?.thread_owner).toBeNull();
    expect((await persistence.repos.conversations.findById(fresh.id))?.thread_owner).toBe(PAGE_INBOX_APP_ID);
    expect((await persistence.repos.conversationEvents.listForConversation(lapsed.id)).map((e) => e.type)).toContain(
      'thread_control_lapsed',
    );
    expect(published).toEqual([lapsed.id]);
  });
});
