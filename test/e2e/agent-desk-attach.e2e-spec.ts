import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { Browser, Page } from 'playwright-core';
import { CcmHarness, eventually, PAGE_ID, startCcm } from '../helpers/ccm-harness';
import { ADMIN_KEY, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { DeskSessions, launchChromium, openDesk, screenshot, tab } from '../helpers/desk-browser';
import { testPsid } from '../helpers/fixtures';
import { UploadRetention } from '@app/media';
import { RetentionService } from '@app/persistence';

/** The public address Meta fetches ccm's copies from (the Graph double takes only https links). */
const PUBLIC_BASE = 'https://ccm.example.test';

/** A real 1×1 PNG (signature, IHDR, IDAT, IEND), built here so the test needs no fixture file. */
function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]); // 1×1, 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0x2a, 0x7f, 0xd4]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Attaching a file from the agent's disk in the desk (#14): the composer's Attach uploads it into ccm's
 * media store, and it goes to the customer as a media message through the reusable-attachment path
 * (Meta fetches ccm's public link once). Files Meta would refuse are refused at once, with the reason.
 */
describe('agent desk: attach a file from disk (headless Chromium)', () => {
  let h: CcmHarness;
  let browser: Browser;
  const sessions = new DeskSessions(() => h);
  const mediaDir = mkdtempSync(join(tmpdir(), 'ccm-desk-attach-media-'));
  const storedFiles = () => readdirSync(mediaDir, { recursive: true }).length;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startCcm({
        env: {
          ADMIN_API_KEY: ADMIN_KEY,
          FB_ROUTING_POLICY: 'AGENT_ONLY',
          MEDIA_PUBLIC_BASE_URL: PUBLIC_BASE,
          MEDIA_DIR: mediaDir,
        },
      }),
      launchChromium(),
    ]);
  }, 60_000);
  afterEach(() => sessions.reset());
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const agent = async (name: string) => {
    const a = await createAgent(h, name);
    sessions.agents.push(a);
    return a;
  };
  /** A customer writes and the agent accepts; the agent's desk is open on that conversation. */
  const chatWith = async (a: DeskAgent, psid: string, text: string): Promise<{ id: string; page: Page }> => {
    const timestamp = Date.now();
    h.graph.noteCustomerActivity(psid, timestamp);
    await h.simulator.post({
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: timestamp,
          messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp, message: { mid: `m_${psid}_1`, text } }],
        },
      ],
    });
    const c = await eventually(async () =>
      (await h.persistence.repos.conversations.listForDesk(['QUEUED', 'AGENT'])).find((x) => x.customer_id === psid),
    );
    await a.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });
    const opened = await openDesk(browser, h, a.username);
    sessions.contexts.push(opened.context);
    await tab(opened.page, 'Mine');
    await opened.page.locator(`#mine li[data-id="${c.id}"]`).click();
    await opened.page.getByLabel('Message', { exact: true }).waitFor();
    return { id: c.id, page: opened.page };
  };
  const attachmentRequests = (url: string) =>
    h.graph.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path.endsWith('/message_attachments') &&
        (r.body as { message?: { attachment?: { payload?: { url?: string } } } }).message?.attachment?.payload?.url === url,
    );

  it('uploads a PNG from disk and sends it to the customer as an image through the reusable-attachment path', async () => {
    const ada = await agent('ada-attach');
    const psid = testPsid('attach-png');
    const { id, page } = await chatWith(ada, psid, 'Can you show me the label?');
    const png = tinyPng();

    await page.getByLabel('File to attach').setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: png });

    // The transcript shows the image, by ccm's own link.
    const shown = page.locator('.msg.agent img.media-image');
    await shown.waitFor();
    const url = (await shown.getAttribute('src'))!;
    expect(url).toMatch(new RegExp(`^${PUBLIC_BASE}/media/[a-f0-9]{40}/label\\.png$`));
    await page.locator('.msg.agent .status[data-status="sent"]').waitFor();
    await screenshot(page, 'attach-image');

    // Meta got the link once as a reusable image, then the image for this customer by its attachment id.
    expect(attachmentRequests(url)).toHaveLength(1);
    const uploaded = attachmentRequests(url)[0].body as { message: { attachment: { type: string; payload: { is_reusable?: boolean } } } };
    expect(uploaded.message.attachment.type).toBe('image');
    expect(uploaded.message.attachment.payload.is_reusable).toBe(true);
    const sent = h.graph.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path.endsWith('/messages') &&
        r.status === 200 &&
        (r.body as { recipient?: { id?: string } }).recipient?.id === psid,
    );
    const attachment = (sent.at(-1)!.body as { message: { attachment: { type: string; payload: { attachment_id?: string } } } }).message
      .attachment;
    expect(attachment.type).toBe('image');
    expect(attachment.payload.attachment_id).toEqual(expect.any(String));

    // ccm serves exactly the bytes the agent picked, at that link (what Meta fetches).
    const served = await fetch(`${h.url}${new URL(url).pathname}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''label.png");
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    const stored = await h.persistence.repos.messages.listForConversation(id);
    const message = stored.find((m) => m.direction === 'out' && m.content?.includes(url));
    expect(message).toBeDefined();

    // The message's link to the file is recorded, so retention keeps it as long as the transcript…
    const key = new URL(url).pathname.split('/')[2];
    expect(await h.app.get(RetentionService).prune()).toMatchObject({ tasks: { uploads: 0 } });
    const row = await h.persistence.db
      .withTables<{ media_objects: { key: string; message_id: number | null } }>()
      .selectFrom('media_objects')
      .select('message_id')
      .where('key', '=', key)
      .executeTakeFirst();
    expect(row?.message_id).toBe(message!.id);
  });

  it('refuses to send an upload retention has deleted, naming the field (an unsent upload goes after RETENTION_DAYS)', async () => {
    const di = await agent('di-attach');
    const psid = testPsid('attach-pruned');
    const { id } = await chatWith(di, psid, 'Did you forget the file?');
    const uploaded = await fetch(`${h.url}/api/conversations/${id}/attachments?filename=old.pdf`, {
      method: 'POST',
      headers: { authorization: `Bearer ${di.token}`, 'content-type': 'application/pdf' },
      body: Buffer.from('%PDF-1.4 old'),
    });
    const { url } = (await uploaded.json()) as { url: string };
    const key = new URL(url).pathname.split('/')[2];
    // Pruned as retention would RETENTION_DAYS later (the app's clock is real): the same conditional delete.
    const retention = h.app.get(UploadRetention);
    expect(await retention.prune(Date.now() + (h.config.work.retentionDays + 1) * 24 * 60 * 60 * 1000)).toBe(1);
    expect((await fetch(`${h.url}/media/${key}`)).status).toBe(404);

    const sent = await di.api(`/api/conversations/${id}/messages`, {
      method: 'POST',
      body: { message: { kind: 'media', mediaType: 'file', url, reusable: true } },
    });

    expect(sent.status).toBe(400);
    const error = (sent.body as { error: { code: string; details: { field: string; message: string }[] } }).error;
    expect(error.code).toBe('INVALID_MESSAGE');
    expect(error.details).toEqual([
      { field: 'message.url', message: expect.stringMatching(/no longer in ccm's media store.*attach it again/) },
    ]);
  });

  it('refuses an image over Meta’s 8 MB and an HTML file with the reason, sending nothing', async () => {
    const bo = await agent('bo-attach');
    const psid = testPsid('attach-refused');
    const { id, page } = await chatWith(bo, psid, 'Send me the manual please');
    const before = (await h.persistence.repos.messages.listForConversation(id)).length;
    const filesBefore = storedFiles();
    const uploadsBefore = h.graph.requests.filter((r) => r.path.endsWith('/message_attachments')).length;

    await page
      .getByLabel('File to attach')
      .setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(9 * 1024 * 1024, 1) });
    const alert = page.getByRole('alert');
    await alert.getByText(/huge\.png was not sent: .*body: the image is 9437184 bytes; Meta accepts at most 8388608 bytes/).waitFor();

    await page
      .getByLabel('File to attach')
      .setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<script>alert(1)</script>') });
    await alert.getByText(/page\.html was not sent: .*content-type: text\/html files cannot be sent/).waitFor();
    await screenshot(page, 'attach-refused');

    // The API names the field and the reason (what the desk showed), and nothing was stored or sent.
    const raw = await fetch(`${h.url}/api/conversations/${id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bo.token}`, 'content-type': 'image/svg+xml' },
      body: '<svg/>',
    });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as { error: { code: string; details: { field: string; message: string }[] } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.map((d) => d.field).sort()).toEqual(['content-type', 'filename']);
    expect((await h.persistence.repos.messages.listForConversation(id)).length).toBe(before);
    expect(storedFiles()).toBe(filesBefore);
    expect(h.graph.requests.filter((r) => r.path.endsWith('/message_attachments')).length).toBe(uploadsBefore);
  });

  it('answers a file over the 25 MB route limit with 413 in the API error shape, naming the field and the limit', async () => {
    const cy = await agent('cy-attach');
    const psid = testPsid('attach-too-large');
    const { id, page } = await chatWith(cy, psid, 'Here comes a big one');
    const before = (await h.persistence.repos.messages.listForConversation(id)).length;
    const filesBefore = storedFiles();
    const size = 25 * 1024 * 1024 + 1; // one byte past what the route reads (Meta's 25 MB)

    const response = await fetch(`${h.url}/api/conversations/${id}/attachments?filename=big.pdf`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cy.token}`, 'content-type': 'application/pdf' },
      body: Buffer.alloc(size, 1),
    });

    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: `the body is ${size} bytes; this route accepts at most 26214400 bytes (25 MB)`,
        details: [{ field: 'body', message: `the body is ${size} bytes; this route accepts at most 26214400 bytes (25 MB)` }],
      },
    });

    // The desk sends the file as picked and shows ccm's answer as a toast.
    // (a path, not a buffer: 25 MB through the DevTools protocol takes longer than the action timeout)
    const big = join(mkdtempSync(join(tmpdir(), 'ccm-desk-attach-big-')), 'big.pdf');
    writeFileSync(big, Buffer.alloc(size, 1));
    await page.getByLabel('File to attach').setInputFiles(big);
    await page
      .locator('.toast.error[role="alert"]')
      .getByText(`big.pdf was not sent: the body is ${size} bytes; this route accepts at most 26214400 bytes (25 MB)`)
      .waitFor();
    await screenshot(page, 'attach-too-large');
    expect(storedFiles()).toBe(filesBefore);
    expect((await h.persistence.repos.messages.listForConversation(id)).length).toBe(before);
  });
});
