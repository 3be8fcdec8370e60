import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CcmConfig, loadCcmConfig } from '@app/config';
import { ListedExtensions } from '@app/core';
import { ConversationBus, ConversationHookRunner, ConversationUnits } from '@app/conversations';
import { LeaderElection, migrateToLatest, openDatabase, PersistenceService, RetentionService } from '@app/persistence';
import { FakeClock } from '@app/testing';
import { MediaLinks } from './media-links';
import { MediaObjectRepository } from './media-object.repository';
import { MediaStoreService } from './media-store.service';
import { mediaMigrations } from './migrations';
import { UploadRetention } from './upload-retention';

const DAY = 24 * 60 * 60 * 1000;
const PUBLIC_BASE = 'https://ccm.example.test';

/**
 * Unsent uploads are pruned by the hourly retention job (RETENTION_DAYS = 3 here), on a real in-memory
 * database and a real media directory, with a fake clock: a file a message links to is never deleted,
 * whatever its age; one nobody sent goes after the retention days, row and bytes; a send that comes
 * after the prune is told the file is gone.
 */
describe(UploadRetention.name, () => {
  let persistence: PersistenceService;
  let clock: FakeClock;
  let dir: string;
  let config: CcmConfig;
  let media: MediaStoreService;
  let links: MediaLinks;
  let retention: RetentionService;

  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open, [mediaMigrations]);
    persistence = new PersistenceService(open);
    dir = mkdtempSync(join(tmpdir(), 'ccm-upload-retention-'));
    clock = new FakeClock(Date.UTC(2026, 11, 1, 9));
    config = loadCcmConfig({
      FACEBOOK_APP_SECRET: 'secret-for-tests',
      FACEBOOK_VERIFY_TOKEN: 'verify',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'token',
      MEDIA_DIR: dir,
      MEDIA_PUBLIC_BASE_URL: PUBLIC_BASE,
      RETENTION_DAYS: '3',
    });
    links = new MediaLinks(config);
    media = new MediaStoreService(config, persistence, clock, links);
    const election = new LeaderElection({ database: { dialect: 'sqlite', url: ':memory:' } });
    retention = new RetentionService(
      persistence,
      election,
      config,
      clock,
      new ListedExtensions([new UploadRetention(config, persistence, media)]),
    );
  });
  afterEach(async () => {
    await media.onApplicationShutdown();
    await persistence.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const upload = (name: string) => media.storeUpload(Buffer.from(`bytes of ${name}`), 'application/pdf', 'file', name);
  /** An agent's message sending the upload by ccm's link, stored (and the link recorded) in one transaction. */
  const send = (key: string, messageId: number) =>
    persistence.transaction((repos) =>
      media.markUsed(repos, messageId, JSON.stringify({ kind: 'media', mediaType: 'file', url: `${links.urlOf(key)}/manual.pdf` })),
    );
  const files = () => readdirSync(dir).sort();
  /** Its row says stored and its bytes are in the directory. */
  const stored = async (key: string) =>
    (await new MediaObjectRepository(persistence.repos).get(key))?.status === 'stored' && files().includes(key);

  it('should keep an upload no message links to for RETENTION_DAYS, then delete its row and its file', async () => {
    const key = await upload('never-sent.pdf');

    clock.advance(3 * DAY - 1);
    expect((await retention.prune()).tasks).toEqual({ uploads: 0 });
    expect(await stored(key)).toBe(true);

    clock.advance(2);
    expect((await retention.prune()).tasks).toEqual({ uploads: 1 });
    expect(await stored(key)).toBe(false);
    expect(await new MediaObjectRepository(persistence.repos).get(key)).toBeUndefined();
    expect(files()).toEqual([]);
  });

  it('should never delete an upload a message links to, nor a customer’s inbound media, however old', async () => {
    const sent = await upload('sent.pdf');
    const unsent = await upload('unsent.pdf');
    expect(await send(sent, 41)).toEqual([]);
    await new MediaObjectRepository(persistence.repos).addPending({
      key: 'c'.repeat(40),
      message_id: 7,
      source_url: 'https://cdn.example/customer.jpg',
      attachment_type: 'image',
      created_at: clock.now(),
    });

    clock.advance(400 * DAY);
    expect((await retention.prune()).tasks).toEqual({ uploads: 1 });

    expect(await stored(sent)).toBe(true);
    expect(await stored(unsent)).toBe(false);
    expect(files()).toEqual([sent]);
    expect((await new MediaObjectRepository(persistence.repos).get(sent))?.message_id).toBe(41);
    expect(await new MediaObjectRepository(persistence.repos).get('c'.repeat(40))).toBeDefined();
  });

  it("should keep an upload the bot's answer sends (marked used when the answer is queued), not only the desk's", async () => {
    const key = await upload('bot-answer.pdf');
    const conversation = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId: 'P', customerId: 'c' }, clock.now());
    const hooks = new ConversationHookRunner(new ListedExtensions([media]));
    const content = { kind: 'media' as const, mediaType: 'file' as const, url: `/media/${key}/bot-answer.pdf` };
    // As TurnWriter does for a `say` step: queue the answer, then tell the hooks, in one unit.
    const [messageId] = await new ConversationUnits(persistence, new ConversationBus(), clock).run(async (unit) => {
      const ids = await unit.enqueue(conversation.id, 'bot', content);
      await hooks.outboundQueued(unit, conversation, ids, content);
      return ids;
    });

    clock.advance(30 * DAY); // the send was delayed past RETENTION_DAYS
    await retention.prune();

    expect((await new MediaObjectRepository(persistence.repos).get(key))?.message_id).toBe(messageId);
    expect(await stored(key)).toBe(true);
  });

  it('should keep the first message as the link when the same upload is sent again (a retry), and keep the file', async () => {
    const key = await upload('retried.pdf');
    expect(await send(key, 50)).toEqual([]);
    expect(await send(key, 51)).toEqual([]); // the agent's Retry: a new message with the same link

    clock.advance(30 * DAY);
    await retention.prune();

    expect((await new MediaObjectRepository(persistence.repos).get(key))?.message_id).toBe(50);
    expect(await stored(key)).toBe(true);
  });

  it('should tell a send after the prune that the file is gone (the caller refuses the message)', async () => {
    const key = await upload('late.pdf');
    clock.advance(4 * DAY);
    await retention.prune();

    expect(await send(key, 60)).toEqual([key]);
    expect(await new MediaObjectRepository(persistence.repos).get(key)).toBeUndefined();
  });

  it('should leave an upload a send marked between the listing and the delete', async () => {
    const key = await upload('raced.pdf');
    clock.advance(4 * DAY);
    const repository = new MediaObjectRepository(persistence.repos);
    expect(await repository.listUnusedUploads(clock.now() - 3 * DAY, 10)).toEqual([key]);

    expect(await send(key, 70)).toEqual([]); // the agent sends it right then
    expect(await repository.deleteIfUnused(key)).toBe(false);
    expect((await retention.prune()).tasks).toEqual({ uploads: 0 });
    expect(await stored(key)).toBe(true);
  });
});
