import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enqueueOutbound, OutboxDispatcher } from '@app/conversations';
import { webhookEnvelope } from '@app/graph-double';
import { MediaStoreService } from '@app/media';
import S3rver from 's3rver';
import { ADMIN_KEY, createAgent } from '../helpers/agent-desk-client';
import { PAGE_ID, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';

/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

interface StoredAttachment {
  type: string;
  url: string;
  storedUrl?: string;
}

async function sendImage(h: CcmHarness, psid: string, url: string, type = 'image') {
  h.graph.noteCustomerActivity(psid, Date.now());
  await h.simulator.post(
    webhookEnvelope([
      {
        pageId: PAGE_ID,
        messaging: [
          {
            sender: { id: psid },
            recipient: { id: PAGE_ID },
            timestamp: Date.now(),
            message: { mid: `m_${psid}_${Date.now()}`, attachments: [{ type, payload: { url } }] },
          },
        ],
      },
    ]),
  );
  return eventually(async () => {
    const conversation = await h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: psid });
    const rows = conversation ? await h.persistence.repos.messages.listForConversation(conversation.id) : [];
    const inbound = rows.find((m) => m.direction === 'in');
    return inbound ? { conversation: conversation!, message: inbound } : undefined;
  });
}

async function mediaRow(h: CcmHarness, storedUrl: string) {
  const key = storedUrl.split('/').pop()!;
  return h.persistence.db
    .withTables<{ media_objects: { key: string; status: string; error: string | null } }>()
    .selectFrom('media_objects')
    .selectAll()
    .where('key', '=', key)
    .executeTakeFirst();
}

describe('media store', () => {
  let h: CcmHarness;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccm-media-'));
    // The double's CDN runs on 127.0.0.1: allow-listed here, as local mode does; production refuses private addresses.
    h = await startCcm({
      env: { MEDIA_DIR: dir, MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1', MEDIA_MAX_BYTES: '65536', ADMIN_API_KEY: ADMIN_KEY },
    });
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("should store an inbound image and serve ccm's copy after the CDN URL has expired, in the desk too", async () => {
    const url = h.graph.cdn.put('photo.png', PNG, 'image/png');
    const { conversation, message } = await sendImage(h, 'psid-photo', url);
    const [attachment] = (JSON.parse(message.content!) as { attachments: StoredAttachment[] }).attachments;
    expect(attachment).toMatchObject({ type: 'image', url, storedUrl: expect.stringMatching(/^\/media\/[a-f0-9]{40}$/) });
    await eventually(async () => (await mediaRow(h, attachment.storedUrl!))?.status === 'stored');

    h.graph.cdn.expire('photo.png');
    expect((await fetch(url)).status).toBe(403); // Meta's link is dead now
    const served = await fetch(`${h.url}${attachment.storedUrl}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);

    const supervisor = await createAgent(h, 'sue', 'supervisor');
    const messages = await supervisor.api(`/api/conversations/${conversation.id}/messages`);
    expect(messages.body[0].content.attachments[0].storedUrl).toBe(attachment.storedUrl);
  });

  it('should refuse a download over MEDIA_MAX_BYTES, a content type that does not fit, and a redirect to a private address', async () => {
    const big = h.graph.cdn.put('big.png', Buffer.alloc(70_000, 1), 'image/png');
    const html = h.graph.cdn.put('page.png', Buffer.from('<html></html>'), 'text/html');
    const sneaky = h.graph.cdn.redirect('sneaky.png', 'https://10.11.12.13/metadata.png');
    for (const [psid, url, reason] of [
      ['psid-big', big, 'too_large'],
      ['psid-html', html, 'content_type'],
      ['psid-redirect', sneaky, 'private_address'], // the redirect target is checked like the first URL
    ]) {
      const { message } = await sendImage(h, psid, url);
      const [attachment] = (JSON.parse(message.content!) as { attachments: StoredAttachment[] }).attachments;
      // Recorded as pending with the message, then failed by the download.
      const row = await eventually(async () => {
        const found = await mediaRow(h, attachment.storedUrl!);
        return found?.status === 'pending' ? undefined : found;
      });
      expect(row).toMatchObject({ status: 'failed', error: expect.stringContaining(reason) });
      expect((await fetch(`${h.url}${attachment.storedUrl}`)).status).toBe(404);
    }
  });

  it("should refuse outbound media over Meta's size limit before calling the Send API", async () => {
    const huge = h.graph.cdn.put('huge.jpg', Buffer.alloc(9 * 1024 * 1024, 1), 'image/jpeg'); // images: 8 MB at most
    const conversation = await h.persistence.repos.conversations.ensure(
      { channel: 'messenger', pageId: PAGE_ID, customerId: 'psid-huge' },
      Date.now(),
    );
    await h.persistence.repos.conversations.update(conversation.id, { last_user_event_at: Date.now() });
    const [id] = await enqueueOutbound(
      h.persistence.repos,
      conversation.id,
      'agent',
      { kind: 'media', mediaType: 'image', url: huge },
      Date.now(),
    );
    h.app.get(OutboxDispatcher).kick();
    await eventually(async () => (await h.persistence.repos.messages.findById(id))?.status === 'failed');
    expect(JSON.parse((await h.persistence.repos.messages.findById(id))!.error!)).toMatchObject({
      code: 'MEDIA_REFUSED',
      message: expect.stringContaining('at most 8388608 bytes'),
    });
    expect(h.graph.sentMessages('psid-huge')).toEqual([]);
  });
});

/** The S3 driver in the running service, against a real S3-compatible server (s3rver, in-process). */
describe('media store on an S3-compatible bucket', () => {
  let h: CcmHarness;
  let s3: S3rver;
  let dir: string;
  let endpoint: string;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccm-s3-'));
    s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      directory: dir,
      silent: true,
      configureBuckets: [{ name: 'ccm-media', configs: [] }],
    });
    const { port } = await s3.run();
    endpoint = `http://127.0.0.1:${port}`;
    // The SDK's default credential chain reads these; s3rver accepts its documented default pair.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    h = await startCcm({
      env: {
        MEDIA_S3_BUCKET: 'ccm-media',
        MEDIA_S3_ENDPOINT: endpoint,
        MEDIA_S3_FORCE_PATH_STYLE: 'true',
        MEDIA_S3_PREFIX: 'inbound/',
        MEDIA_DIR: join(dir, 'unused-local-dir'),
        MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await s3?.close();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    rmSync(dir, { recursive: true, force: true });
  });

  it("should put an inbound image in the bucket and serve it from there after Meta's link expired", async () => {
    const url = h.graph.cdn.put('s3-photo.png', PNG, 'image/png');
    const { message } = await sendImage(h, 'psid-s3', url);
    const [attachment] = (JSON.parse(message.content!) as { attachments: StoredAttachment[] }).attachments;
    await eventually(async () => (await mediaRow(h, attachment.storedUrl!))?.status === 'stored');
    const key = attachment.storedUrl!.split('/').pop()!;
    // In the bucket under the prefix (read straight from the S3 server), not in the local directory.
    expect(h.app.get(MediaStoreService).storage.kind).toBe('s3');
    const object = await fetch(`${endpoint}/ccm-media/inbound/${key}`);
    expect(object.status).toBe(200);
    expect(Buffer.from(await object.arrayBuffer())).toEqual(PNG);
    expect(existsSync(join(dir, 'unused-local-dir', key))).toBe(false);

    h.graph.cdn.expire('s3-photo.png');
    const served = await fetch(`${h.url}${attachment.storedUrl}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);
  });
});
