import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCcmConfig } from '@app/config';
import { GraphApiDouble } from '@app/graph-double';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock } from '@app/testing';
import { MediaObjectRepository } from './media-object.repository';
import { MediaLinks } from './media-links';
import { MediaStoreService } from './media-store.service';
import { mediaMigrations } from './migrations';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * The media sweep on a real (in-memory) database, a real directory and the double's CDN over HTTP,
 * with a fake clock: a download another downloader holds is left alone until its claim lapses (its
 * process died), then done; one interrupted too often is given up.
 */
describe('MediaStoreService sweep', () => {
  let persistence: PersistenceService;
  let cdn: GraphApiDouble;
  let dir: string;
  let clock: FakeClock;
  let service: MediaStoreService;
  let repository: MediaObjectRepository;

  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open, [mediaMigrations]);
    persistence = new PersistenceService(open);
    repository = new MediaObjectRepository(persistence.repos);
    cdn = await GraphApiDouble.start({ pages: [] });
    dir = mkdtempSync(join(tmpdir(), 'ccm-media-sweep-'));
    clock = new FakeClock(Date.now());
    const config = loadCcmConfig({
      FACEBOOK_APP_SECRET: 'secret-for-tests',
      FACEBOOK_VERIFY_TOKEN: 'verify',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'token',
      MEDIA_DIR: dir,
      MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      WORK_LEASE_MS: '5000',
    });
    service = new MediaStoreService(config, persistence, clock, new MediaLinks(config));
  });
  afterEach(async () => {
    await service.onApplicationShutdown();
    await cdn.stop();
    await persistence.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pending = async (key: string, url: string) =>
    repository.addPending({ key, message_id: 1, source_url: url, attachment_type: 'image', created_at: clock.now() });

  it('should leave a download another downloader holds, and take it over once that claim lapsed', async () => {
    const key = 'a'.repeat(40);
    await pending(key, cdn.cdn.put('p.png', PNG, 'image/png'));
    expect(await repository.claim(key, clock.now(), clock.now() + 5000)).toBeDefined(); // a downloader that then died

    await service.sweep();
    expect(await repository.get(key)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(cdn.cdn.hits('p.png')).toBe(0);

    clock.advance(5001);
    await service.sweep();
    expect(await repository.get(key)).toMatchObject({
      status: 'stored',
      attempts: 2,
      content_type: 'image/png',
      size: PNG.length,
      claimed_until: null,
    });
    const stored = await service.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stored!.body) chunks.push(Buffer.from(chunk as Buffer));
    expect(Buffer.concat(chunks)).toEqual(PNG);
    await service.sweep(); // nothing left to do
    expect(cdn.cdn.hits('p.png')).toBe(1);
  });

  it('should give a download up after 5 interrupted attempts instead of retrying it forever', async () => {
    const key = 'b'.repeat(40);
    await pending(key, cdn.cdn.put('q.png', PNG, 'image/png'));
    for (let i = 0; i < 5; i++) {
      expect(await repository.claim(key, clock.now(), clock.now() + 5000)).toBeDefined();
      clock.advance(5001); // each of those downloaders died
    }
    await service.sweep();
    expect(await repository.get(key)).toMatchObject({ status: 'failed', error: 'gave up after 5 interrupted downloads' });
    expect(cdn.cdn.hits('q.png')).toBe(0);
  });
});
