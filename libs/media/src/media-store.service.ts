import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { InboundAttachment } from '@app/core';
import { ConversationBus, ConversationBusEvent } from '@app/conversations';
import { PersistenceService } from '@app/persistence';
import { downloadMedia, MediaDownloadError } from './media-downloader';
import { MediaObjectRepository, MediaObjectRow } from './media-object.repository';
import { LocalDirectoryStorage, MediaStorage, S3Storage } from './media-storage';

/**
 * Keeps ccm's own copy of inbound media: when a customer message with attachments is stored, each
 * attachment that got a `mediaKey` (see `MediaLinks`) is downloaded with the safety rules of
 * `downloadMedia` into the configured driver (a local directory by default, S3-compatible when
 * MEDIA_S3_BUCKET is set) and recorded in `media_objects`; `GET /media/{key}` serves it, long after
 * Meta's CDN link has expired. Failures are recorded (and logged), never retried in a loop.
 */
@Injectable()
export class MediaStoreService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MediaStoreService.name);
  readonly storage: MediaStorage;
  private unsubscribe?: () => void;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
    private readonly bus: ConversationBus,
  ) {
    this.storage = config.media.s3 ? new S3Storage(config.media.s3) : new LocalDirectoryStorage(config.media.directory);
  }

  onApplicationBootstrap(): void {
    if (!this.config.media.enabled) return;
    this.unsubscribe = this.bus.subscribe((event) => this.onEvent(event));
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await Promise.allSettled([...this.inFlight]);
  }

  private onEvent(event: ConversationBusEvent): void {
    if (event.type !== 'message.created' || event.direction !== 'in') return;
    const work = this.storeAttachmentsOf(event.messageId).catch((error: unknown) =>
      this.logger.warn(`media of message ${event.messageId} not stored: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  async storeAttachmentsOf(messageId: number): Promise<void> {
    const row = await this.persistence.repos.messages.findById(messageId);
    const content = row?.content ? (JSON.parse(row.content) as { attachments?: InboundAttachment[] }) : undefined;
    for (const attachment of content?.attachments ?? []) {
      if (attachment.mediaKey && attachment.url) await this.store(attachment.mediaKey, attachment.url, attachment.type, messageId);
    }
  }

  async get(key: string): Promise<{ row: MediaObjectRow; body: NodeJS.ReadableStream } | undefined> {
    const row = await new MediaObjectRepository(this.persistence.repos).get(key);
    if (!row || row.status !== 'stored') return undefined;
    const body = await this.storage.get(key);
    return body ? { row, body } : undefined;
  }

  private async store(key: string, url: string, type: string, messageId: number): Promise<void> {
    const repository = new MediaObjectRepository(this.persistence.repos);
    if ((await repository.get(key))?.status === 'stored') return; // a redelivery or another instance got it
    const now = Date.now();
    const base = { key, message_id: messageId, source_url: url, created_at: now };
    try {
      const { body, contentType } = await downloadMedia(url, type, {
        maxBytes: this.config.media.maxBytes,
        allowPrivateHosts: this.config.media.allowPrivateHosts,
      });
      await this.storage.put(key, body, contentType);
      await repository.put({ ...base, status: 'stored', content_type: contentType, size: body.length, error: null, stored_at: Date.now() });
    } catch (error) {
      const reason = error instanceof MediaDownloadError ? `${error.reason}: ${error.message}` : String(error);
      this.logger.warn(`attachment of message ${messageId} not stored (${reason})`);
      await repository.put({ ...base, status: 'failed', content_type: null, size: null, error: reason, stored_at: null });
    }
  }
}
