import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCcmConfig } from '@app/config';
import { enqueueOutbound } from '@app/conversations';
import { migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock } from '@app/testing';
import { MediaLinks } from './media-links';
import { MediaObjectRepository } from './media-object.repository';
import { MediaStoreService } from './media-store.service';
import { mediaMigrations } from './migrations';

/**
 * A ccm media path (`/media/{key}/…`, sent by its bytes when ccm has no public address) names a stored
 * file by its key; anyone who can queue a message could name any key. Only an agent's upload goes out
 * so, on the Page of the conversation whose message first linked it. Real in-memory SQLite and a real
 * media directory.
 */
describe('MediaStoreService.uploadRefusal', () => {
  let persistence: PersistenceService;
  let media: MediaStoreService;
  let dir: string;
  const clock = new FakeClock(Date.UTC(2026, 11, 1, 9));

  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open, [mediaMigrations]);
    persistence = new PersistenceService(open);
    dir = mkdtempSync(join(tmpdir(), 'ccm-upload-refusal-'));
    const config = loadCcmConfig({
      FACEBOOK_APP_SECRET: 'secret-for-tests',
      FACEBOOK_VERIFY_TOKEN: 'verify',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'token',
      MEDIA_DIR: dir,
    });
    media = new MediaStoreService(config, persistence, clock, new MediaLinks(config));
  });
  afterEach(async () => {
    await media.onApplicationShutdown();
    await persistence.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A message queued in a conversation of `pageId` (as the desk, the bot or the API would). */
  async function message(pageId: string, customerId = 'c1'): Promise<number> {
    const conversation = await persistence.repos.conversations.ensure({ channel: 'messenger', pageId, customerId }, clock.now());
    const [id] = await persistence.transaction((repos) =>
      enqueueOutbound(repos, conversation.id, 'agent', { kind: 'text', text: 'see the file' }, clock.now()),
    );
    return id;
  }
  const upload = (name: string) => media.storeUpload(Buffer.from(`bytes of ${name}`), 'application/pdf', 'file', name);
  const path = (key: string) => `/media/${key}/manual.pdf`;

  it("should send an agent's upload on its own Page, and refuse it on another Page", async () => {
    const key = await upload('manual.pdf');
    const sent = await message('P1');
    // The desk's send records the link in the message's transaction.
    await persistence.transaction((repos) =>
      media.markUsed(repos, sent, JSON.stringify({ kind: 'media', mediaType: 'file', url: path(key) })),
    );
    expect(await media.uploadRefusal(key, sent, 'P1')).toBeUndefined();
    expect(await media.uploadRefusal(key, await message('P1', 'c2'), 'P1')).toBeUndefined(); // same Page, another customer
    const elsewhere = await message('P2');
    expect(await media.uploadRefusal(key, elsewhere, 'P2')).toBe(
      `the upload ${key} was attached in a conversation of another Page: it is sent only on that Page`,
    );
  });

  it("should refuse a customer's inbound media and a key ccm has no file for", async () => {
    const inbound = 'c'.repeat(40);
    const customerMessage = await message('P1');
    await new MediaObjectRepository(persistence.repos).addStored({
      key: inbound,
      source_url: 'https://cdn.example/customer-passport.jpg',
      content_type: 'image/jpeg',
      size: 10,
      attachment_type: 'image',
      stored_at: clock.now(),
    });
    await persistence.transaction((repos) => new MediaObjectRepository(repos).markUsed([inbound], customerMessage));
    // Even on the Page and by a message of the conversation it came from: it is not an upload.
    expect(await media.uploadRefusal(inbound, await message('P1'), 'P1')).toBe(
      `the file ${inbound} is not an agent's upload: only uploads can be sent by their ccm media link`,
    );
    const unknown = 'd'.repeat(40);
    expect(await media.uploadRefusal(unknown, await message('P1'), 'P1')).toBe(
      `the file ${unknown} is not in ccm's media store (never stored, or deleted by retention)`,
    );
  });

  it('should let the first message that sends an upload no message links to claim it for its Page (and keep it from retention)', async () => {
    const key = await upload('api.pdf');
    const viaApi = await message('P2');
    expect(await media.uploadRefusal(key, viaApi, 'P2')).toBeUndefined();
    expect((await new MediaObjectRepository(persistence.repos).get(key))?.message_id).toBe(viaApi);
    expect(await media.uploadRefusal(key, await message('P1'), 'P1')).toMatch(/another Page/);
  });
});
