import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { S3Storage } from './media-storage';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * The S3 driver against a real S3-compatible server (s3rver, in-process, files in a temp directory):
 * the SDK's real requests — signing, path-style addressing, content type, missing keys.
 */
describe('S3Storage against an S3-compatible server', () => {
  let server: S3rver;
  let directory: string;
  let endpoint: string;
  const env = { ...process.env };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ccm-s3-'));
    server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: 'ccm-media', configs: [] }] });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
    // s3rver accepts its documented default key pair.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  });
  afterAll(async () => {
    process.env = env;
    await server?.close();
    await rm(directory, { recursive: true, force: true });
  });

  const storage = (bucket = 'ccm-media', prefix = 'media/') =>
    new S3Storage({ bucket, region: 'us-east-1', endpoint, forcePathStyle: true, prefix });

  it('should store an object under the prefix and stream the same bytes back', async () => {
    const s3 = storage();
    const body = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await s3.put('a'.repeat(40), body, 'image/png');
    const back = await s3.get('a'.repeat(40));
    expect(back).toBeDefined();
    expect(await readAll(back!)).toEqual(body);
    // It is really in the bucket, under the prefix, with its content type.
    const head = await fetch(`${endpoint}/ccm-media/media/${'a'.repeat(40)}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/png');
  });

  it('should answer undefined for a key that was never stored', async () => {
    expect(await storage().get('b'.repeat(40))).toBeUndefined();
  });

  it('should delete an object (retention of unsent uploads), and take a key that is already gone', async () => {
    const s3 = storage();
    await s3.put('d'.repeat(40), Buffer.from('unsent upload'), 'application/pdf');

    await s3.delete('d'.repeat(40));

    expect(await s3.get('d'.repeat(40))).toBeUndefined();
    expect((await fetch(`${endpoint}/ccm-media/media/${'d'.repeat(40)}`, { method: 'HEAD' })).status).toBe(404);
    await expect(s3.delete('d'.repeat(40))).resolves.toBeUndefined();
  });

  it('should fail (not pretend) when the bucket does not exist', async () => {
    await expect(storage('no-such-bucket').put('c'.repeat(40), Buffer.from('x'), 'text/plain')).rejects.toThrow();
  });
});
