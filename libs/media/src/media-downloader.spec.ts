import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { contentTypeFits, downloadMedia, outboundMediaProblem } from './media-downloader';

describe('downloadMedia', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big.jpg') res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(9 * 1024 * 1024) }).end();
      else res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(2048, 7));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('should fetch from an allow-listed host within the size cap', async () => {
    const result = await downloadMedia(`http://127.0.0.1:${port}/a.png`, 'image', { maxBytes: 4096, allowPrivateHosts: ['127.0.0.1'] });
    expect(result).toMatchObject({ contentType: 'image/png' });
    expect(result.body.length).toBe(2048);
  });

  it('should refuse loopback and private targets unless allow-listed, also behind a host name', async () => {
    await expect(downloadMedia(`http://127.0.0.1:${port}/a.png`, 'image', { maxBytes: 4096, allowPrivateHosts: [] })).rejects.toMatchObject(
      {
        reason: 'scheme',
      },
    );
    await expect(
      downloadMedia(`https://127.0.0.1:${port}/a.png`, 'image', { maxBytes: 4096, allowPrivateHosts: [] }),
    ).rejects.toMatchObject({
      reason: 'private_address',
    });
    await expect(
      downloadMedia(`https://localhost:${port}/a.png`, 'image', { maxBytes: 4096, allowPrivateHosts: [] }),
    ).rejects.toMatchObject({
      reason: 'private_address',
    });
  });

  it('should stop reading past the cap', async () => {
    await expect(
      downloadMedia(`http://127.0.0.1:${port}/a.png`, 'image', { maxBytes: 1000, allowPrivateHosts: ['127.0.0.1'] }),
    ).rejects.toMatchObject({
      reason: 'too_large',
    });
  });

  it("should tell an outbound image over Meta's 8 MB before it is sent", async () => {
    expect(await outboundMediaProblem(`http://127.0.0.1:${port}/big.jpg`, 'image', ['127.0.0.1'])).toContain('at most 8388608 bytes');
    expect(await outboundMediaProblem(`http://127.0.0.1:${port}/big.jpg`, 'video', ['127.0.0.1'])).toBeUndefined();
  });
});

describe(contentTypeFits.name, () => {
  it('should match the declared attachment type', () => {
    expect(contentTypeFits('image', 'image/jpeg')).toBe(true);
    expect(contentTypeFits('image', 'text/html; charset=utf-8')).toBe(false);
    expect(contentTypeFits('audio', 'audio/mpeg')).toBe(true);
    expect(contentTypeFits('file', 'application/pdf')).toBe(true);
    expect(contentTypeFits('file', 'text/html')).toBe(false);
  });
});
