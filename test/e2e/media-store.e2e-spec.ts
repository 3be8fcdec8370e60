import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enqueueOutbound, OutboxDispatcher } from '@app/conversations';
import { webhookEnvelope } from '@app/graph-double';
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
      const row = await eventually(async () => mediaRow(h, attachment.storedUrl!));
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
