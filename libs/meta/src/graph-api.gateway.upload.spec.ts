import { loadCcmConfig } from '@app/config';
import { GraphApiDouble } from '@app/graph-double';
import { GraphApiError } from './graph-api.error';
import { GraphApiGateway } from './graph-api.gateway';
import { InProcessPagePacer } from './page-pacer';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const SECRET = 'secret-for-upload-tests';

/**
 * The Attachment Upload API with the file's bytes (multipart `message` + `filedata`), from the gateway
 * to the Graph double over HTTP: what Meta receives, the id it answers and what that id shows the
 * customer, and Meta's refusals (type mismatch 2018047, over 25 MB 2018109).
 */
describe('GraphApiGateway.uploadAttachmentData', () => {
  let graph: GraphApiDouble;
  let gateway: GraphApiGateway;

  beforeAll(async () => {
    graph = await GraphApiDouble.start({
      appSecret: SECRET,
      pages: [
        { pageId: '1001', accessToken: 'page-token' },
        { pageId: '1002', accessToken: 'other-page-token' },
      ],
    });
    const config = loadCcmConfig({
      FACEBOOK_APP_SECRET: SECRET,
      FACEBOOK_VERIFY_TOKEN: 'verify',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'page-token',
      FACEBOOK_PAGE_ID: '1001',
      FACEBOOK_GRAPH_API_URL: graph.url,
    });
    gateway = new GraphApiGateway(config, new InProcessPagePacer(config.messenger.sendRatePerPage));
  });
  afterAll(async () => {
    gateway.onApplicationShutdown();
    await graph.stop();
  });

  const uploads = () => graph.requests.filter((r) => r.path === '/me/message_attachments');

  it('sends the bytes as multipart filedata with a reusable attachment of the type, and gets an id that shows the same file', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% a tiny test file\n%%EOF\n');

    const id = await gateway.uploadAttachmentData('page-token', 'file', {
      bytes: pdf,
      contentType: 'application/pdf',
      filename: 'Rechnung März.pdf',
    });

    expect(id).toMatch(/^\d+$/);
    const recorded = uploads().at(-1)!;
    expect(recorded.status).toBe(200);
    expect(recorded.body).toEqual({
      message: { attachment: { type: 'file', payload: { is_reusable: true } } },
      filedata: { filename: 'Rechnung März.pdf', contentType: 'application/pdf', size: pdf.length },
    });
    const shown = graph.attachment(id)!;
    expect(shown.type).toBe('file');
    expect(decodeURIComponent(new URL(shown.url).pathname.split('/').pop()!)).toBe('Rechnung März.pdf');
    const served = await fetch(shown.url);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await served.arrayBuffer()).equals(pdf)).toBe(true);
  });

  it('gets an id the Page can send by (and another Page cannot)', async () => {
    const id = await gateway.uploadAttachmentData('page-token', 'image', { bytes: PNG, contentType: 'image/png', filename: 'dot.png' });
    const message = { attachment: { type: 'image', payload: { attachment_id: id } } };

    await expect(gateway.send('page-token', { recipient: { id: '5550001' }, messaging_type: 'RESPONSE', message })).resolves.toMatchObject({
      messageId: expect.stringMatching(/^m_1001_/),
    });
    const refused = await gateway
      .send('other-page-token', { recipient: { id: '5550001' }, messaging_type: 'RESPONSE', message })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GraphApiError);
    expect((refused as GraphApiError).details).toMatchObject({ code: 100, subcode: 2018074 });
  });

  it('is refused like Meta refuses: an image that is not an image (2018047), a file over 25 MB (2018109)', async () => {
    const mismatch = await gateway
      .uploadAttachmentData('page-token', 'image', { bytes: Buffer.from('%PDF-1.4'), contentType: 'application/pdf', filename: 'x.pdf' })
      .catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(GraphApiError);
    expect((mismatch as GraphApiError).details).toMatchObject({ httpStatus: 400, code: 100, subcode: 2018047 });

    const size = 25 * 1024 * 1024 + 1;
    const tooLarge = await gateway
      .uploadAttachmentData('page-token', 'file', { bytes: Buffer.alloc(size, 1), contentType: 'application/pdf', filename: 'big.pdf' })
      .catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(GraphApiError);
    expect((tooLarge as GraphApiError).details).toMatchObject({ httpStatus: 400, code: 100, subcode: 2018109 });
    expect((tooLarge as GraphApiError).message).toContain(`${size} bytes`);
  });
});
