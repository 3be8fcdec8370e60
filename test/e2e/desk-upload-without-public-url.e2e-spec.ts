import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { UploadRetention } from '@app/media';
import { MessengerSimulatorServer } from '../../apps/simulator/src/simulator';
import { APP_SECRET, CcmHarness, eventually, PAGE_ID, PAGE_TOKEN, startCcm } from '../helpers/ccm-harness';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/**
 * An agent attaches files from disk with ccm on no public address (MEDIA_PUBLIC_BASE_URL unset, as in
 * local mode): the upload answers ccm's own path, and Messenger gets the bytes by the Attachment Upload
 * API (multipart `filedata`, once per Page) and the message by `attachment_id`. The Messenger simulator
 * (its Graph side checks the upload as Meta does) shows the customer the file, whose bytes are the agent's.
 */
describe('desk attachments without MEDIA_PUBLIC_BASE_URL (Messenger simulator)', () => {
  jest.setTimeout(60_000);
  const mediaDir = mkdtempSync(join(tmpdir(), 'ccm-desk-upload-local-'));
  let sim: MessengerSimulatorServer;
  let h: CcmHarness;
  let agent: DeskAgent;

  beforeAll(async () => {
    sim = await MessengerSimulatorServer.start({
      appSecret: APP_SECRET,
      pages: [{ pageId: PAGE_ID, accessToken: PAGE_TOKEN, name: 'Shoe Shop' }],
    });
    h = await startCcm({
      graph: sim.graph,
      env: {
        ADMIN_API_KEY: ADMIN_KEY,
        FB_ROUTING_POLICY: 'AGENT_ONLY',
        FACEBOOK_INSTAGRAM_ACCOUNT_ID: sim.instagramAccountId,
        MEDIA_DIR: mediaDir,
        MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      },
    });
    expect(h.config.media.publicBaseUrl).toBeUndefined();
    sim.setWebhookUrl(`${h.url}/ccm/webhook`);
    agent = await createAgent(h, 'uma-upload');
  });
  afterAll(async () => {
    await h?.close();
    await sim?.stop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const simApi = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.origin}/sim/api${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await response.json()) as any;
  };
  /** A simulated customer writes on `channel`; the agent accepts the conversation. */
  const customerChat = async (name: string, channel: 'messenger' | 'instagram' = 'messenger'): Promise<{ psid: string; id: string }> => {
    const { psid } = (await simApi('POST', '/customers', { name, channel })) as { psid: string };
    await simApi('POST', `/customers/${psid}/messages`, { text: 'can you send me the offer?' });
    // In the queue (AGENT_ONLY hands every conversation over), so the agent can accept it.
    const row = await eventually(async () => {
      const found = await h.persistence.repos.conversations.findByKey({ channel, pageId: PAGE_ID, customerId: psid });
      return found?.state === 'QUEUED' ? found : undefined;
    }, 10_000);
    const accepted = await agent.api(`/api/conversations/${row.id}/accept`, { method: 'POST', body: {} });
    expect(accepted.status).toBe(200);
    return { psid, id: row.id };
  };
  const upload = async (id: string, filename: string, contentType: string, bytes: Buffer) => {
    const response = await fetch(`${h.url}/api/conversations/${id}/attachments?filename=${encodeURIComponent(filename)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': contentType },
      body: new Uint8Array(bytes),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const sendMedia = (id: string, mediaType: string, url: string) =>
    agent.api(`/api/conversations/${id}/messages`, {
      method: 'POST',
      body: { message: { kind: 'media', mediaType, url, reusable: true } },
    });
  /** The Page's bubble with an attachment of `type`, as the simulator's customer page gets it (its thread API). */
  const pageAttachment = (psid: string, type: string) =>
    eventually(async () => {
      const { items } = (await simApi('GET', `/customers/${psid}/thread`)) as { items: { from: string; message?: any }[] };
      return items.find((i) => i.from === 'page' && i.message?.attachment?.type === type)?.message.attachment;
    }, 10_000);
  const filedataUploads = () =>
    sim.graph.requests.filter(
      (r) => r.path.endsWith('/message_attachments') && r.status === 200 && (r.body as { filedata?: unknown }).filedata,
    );

  it('sends a file and an image the agent uploaded by their bytes; the customer gets the same bytes', async () => {
    const { psid, id } = await customerChat('Olga Offer');

    const pdf = await upload(id, 'Angebot März.pdf', 'application/pdf', PDF);
    const png = await upload(id, 'label.png', 'image/png', PNG);

    // No public address: ccm's own path, which the desk (same origin) shows and downloads.
    expect(pdf).toMatchObject({
      status: 200,
      body: { mediaType: 'file', url: expect.stringMatching(/^\/media\/[a-f0-9]{40}\/Angebot%20M%C3%A4rz\.pdf$/) },
    });
    expect(png).toMatchObject({
      status: 200,
      body: { mediaType: 'image', url: expect.stringMatching(/^\/media\/[a-f0-9]{40}\/label\.png$/) },
    });
    const own = await fetch(`${h.url}${pdf.body.url}`);
    expect(Buffer.from(await own.arrayBuffer()).equals(PDF)).toBe(true);

    expect((await sendMedia(id, 'file', pdf.body.url)).status).toBe(201);
    expect((await sendMedia(id, 'image', png.body.url)).status).toBe(201);

    // The customer's page shows both, from the Page's uploads; the bytes are the agent's.
    for (const [type, bytes, contentType] of [
      ['file', PDF, 'application/pdf'],
      ['image', PNG, 'image/png'],
    ] as const) {
      const attachment = await pageAttachment(psid, type);
      expect(attachment.payload.attachment_id).toEqual(expect.any(String));
      const served = await fetch(new URL(attachment.payload.url, sim.origin));
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe(contentType);
      expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    }
    const file = await pageAttachment(psid, 'file');
    expect(decodeURIComponent(new URL(file.payload.url, sim.origin).pathname.split('/').pop()!)).toBe('Angebot März.pdf');

    // Meta got each file once, as multipart filedata of a reusable attachment, and each message by id (no URL).
    const uploads = filedataUploads().map((r) => r.body);
    expect(uploads).toEqual([
      {
        message: { attachment: { type: 'file', payload: { is_reusable: true } } },
        filedata: { filename: 'Angebot März.pdf', contentType: 'application/pdf', size: PDF.length },
      },
      {
        message: { attachment: { type: 'image', payload: { is_reusable: true } } },
        filedata: { filename: 'label.png', contentType: 'image/png', size: PNG.length },
      },
    ]);
    const sent = sim.graph
      .sentMessages(psid)
      .map((r) => (r.body as { message: { attachment?: { payload: Record<string, unknown> } } }).message.attachment);
    expect(sent.filter(Boolean).map((a) => Object.keys(a!.payload))).toEqual([['attachment_id'], ['attachment_id']]);

    // ccm's transcript keeps the message and its status; the file is linked to it (retention keeps it).
    const statuses = await eventually(async () => {
      const out = (await h.persistence.repos.messages.listForConversation(id)).filter(
        (m) => m.direction === 'out' && m.content?.includes('/media/'),
      );
      return out.length === 2 && out.every((m) => ['sent', 'delivered', 'read'].includes(m.status)) ? out : undefined;
    }, 10_000);
    expect(statuses).toHaveLength(2);
    const key = (pdf.body.url as string).split('/')[2];
    const row = await h.persistence.db
      .withTables<{ media_objects: { key: string; message_id: number | null } }>()
      .selectFrom('media_objects')
      .select('message_id')
      .where('key', '=', key)
      .executeTakeFirst();
    expect(row?.message_id).toBe(statuses.find((m) => m.content!.includes(key))!.id);
  });

  it('uploads a file once per Page: the same file to a second customer goes by the cached id', async () => {
    const first = await customerChat('Pia Pdf');
    const second = await customerChat('Quinn Pdf');
    const { body } = await upload(first.id, 'terms.pdf', 'application/pdf', PDF);
    const before = filedataUploads().length;

    await sendMedia(first.id, 'file', body.url);
    const a = await pageAttachment(first.psid, 'file');
    await sendMedia(second.id, 'file', body.url);
    const b = await pageAttachment(second.psid, 'file');

    expect(b.payload.attachment_id).toBe(a.payload.attachment_id);
    expect(filedataUploads().length - before).toBe(1);
  });

  it('refuses to send an upload retention has deleted, naming the field (ccm paths are tracked like public links)', async () => {
    const { id } = await customerChat('Rob Pruned');
    const { body } = await upload(id, 'old.pdf', 'application/pdf', PDF);
    // Pruned as retention would RETENTION_DAYS later (the app's clock is real): the same conditional delete.
    const retention = h.app.get(UploadRetention);
    expect(await retention.prune(Date.now() + (h.config.work.retentionDays + 1) * 24 * 60 * 60 * 1000)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${h.url}${body.url}`)).status).toBe(404);

    const sent = await sendMedia(id, 'file', body.url);

    expect(sent.status).toBe(400);
    expect((sent.body as { error: { code: string; details: unknown } }).error).toMatchObject({
      code: 'INVALID_MESSAGE',
      details: [{ field: 'message.url', message: expect.stringMatching(/no longer in ccm's media store.*attach it again/) }],
    });
  });

  it("never uploads a stored file that is not an agent's upload (a customer's inbound media) by its ccm path", async () => {
    const { psid, id } = await customerChat('Vic Victim');
    // A customer's photo ccm kept (inbound media): its key is all a sender would need to name it.
    const key = 'e'.repeat(40);
    writeFileSync(join(mediaDir, key), PNG);
    const [inbound] = (await h.persistence.repos.messages.listForConversation(id)).filter((m) => m.direction === 'in');
    await h.persistence.db
      .withTables<{ media_objects: Record<string, unknown> }>()
      .insertInto('media_objects')
      .values({
        key,
        message_id: inbound.id,
        source_url: 'https://cdn.example/customer-passport.png',
        status: 'stored',
        content_type: 'image/png',
        size: PNG.length,
        created_at: Date.now(),
        stored_at: Date.now(),
        attachment_type: 'image',
        attempts: 1,
      })
      .execute();
    const before = filedataUploads().length;

    const sent = await sendMedia(id, 'image', `/media/${key}/passport.png`);
    expect(sent.status).toBe(201);

    const failed = await eventually(async () => {
      const row = await h.persistence.repos.messages.findById((sent.body as { id: number }).id);
      return row?.status === 'failed' ? row : undefined;
    }, 10_000);
    expect(failed.error).toContain("is not an agent's upload");
    expect(filedataUploads().length).toBe(before);
    // The customer got only ccm's queue notice, no attachment.
    expect(sim.graph.sentMessages(psid).filter((r) => (r.body as { message: { attachment?: unknown } }).message.attachment)).toEqual([]);
  });

  it('refuses an attachment for an Instagram conversation, naming MEDIA_PUBLIC_BASE_URL (Instagram fetches media by URL only)', async () => {
    const { id } = await customerChat('Ines Upload', 'instagram');

    const refused = await upload(id, 'label.png', 'image/png', PNG);

    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'ACTION_NOT_SUPPORTED', message: expect.stringContaining('MEDIA_PUBLIC_BASE_URL') });
  });
});
