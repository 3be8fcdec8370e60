import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** Where ccm keeps its copies of media: bytes by key (metadata is in the `media_objects` table). */
export abstract class MediaStorage {
  abstract readonly kind: string;
  abstract put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The stored bytes as a stream, or undefined when nothing is stored under the key. */
  abstract get(key: string): Promise<Readable | undefined>;
  /** Removes the bytes under the key (nothing when there are none). */
  abstract delete(key: string): Promise<void>;
}

/** The default driver: one file per key in a directory (written to a temp name, then renamed). */
export class LocalDirectoryStorage extends MediaStorage {
  readonly kind = 'local';

  constructor(private readonly directory: string) {
    super();
  }

  async put(key: string, body: Buffer): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const path = this.pathOf(key);
    await writeFile(`${path}.part`, body);
    await rename(`${path}.part`, path);
  }

  async get(key: string): Promise<Readable | undefined> {
    const path = this.pathOf(key);
    try {
      await stat(path);
    } catch {
      return undefined;
    }
    return createReadStream(path);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!/^[a-f0-9]{16,64}$/.test(key)) throw new Error('invalid media key');
    return join(this.directory, key);
  }
}

/**
 * S3-compatible driver (AWS S3, MinIO, Ceph, R2…) through `@aws-sdk/client-s3`; credentials come from
 * the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, instance role).
 */
export class S3Storage extends MediaStorage {
  readonly kind = 's3';
  private client?: import('@aws-sdk/client-s3').S3Client;

  constructor(private readonly options: { bucket: string; region: string; endpoint?: string; forcePathStyle: boolean; prefix: string }) {
    super();
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await (
      await this.s3()
    ).send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.options.prefix + key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Readable | undefined> {
    const { GetObjectCommand, NoSuchKey } = await import('@aws-sdk/client-s3');
    try {
      const result = await (await this.s3()).send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.options.prefix + key }));
      return result.Body instanceof Readable ? result.Body : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await (await this.s3()).send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.options.prefix + key }));
  }

  private async s3(): Promise<import('@aws-sdk/client-s3').S3Client> {
    if (!this.client) {
      const { S3Client } = await import('@aws-sdk/client-s3');
      this.client = new S3Client({
        region: this.options.region,
        endpoint: this.options.endpoint,
        forcePathStyle: this.options.forcePathStyle,
      });
    }
    return this.client;
  }
}
