import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Clock, Extends, InboundAttachment, OutboundContent, PollingLoop } from '@app/core';
import { CONVERSATION_HOOKS, ConversationHooks, ConversationUnit } from '@app/conversations';
import { ConversationRow, PersistenceService, Repositories } from '@app/persistence';
import { downloadMedia, MediaDownloadError } from './media-downloader';
import { MediaObjectRepository, MediaObjectRow, UPLOAD_SOURCE } from './media-object.repository';
import { MediaLinks } from './media-links';
import { LocalDirectoryStorage, MediaStorage, S3Storage } from './media-storage';

/** How often (at most) pending downloads nobody holds (their downloader died) are looked for. */
const SWEEP_INTERVAL_MS = 15_000;
/** Downloads interrupted this often (each by a crash) are given up: the file is likely what kills the process. */
const MAX_ATTEMPTS = 5;

/**
 * Keeps ccm's own copy of inbound media. When a customer message with attachments is stored, each
 * attachment that got a `mediaKey` (see `MediaLinks`) is recorded as `pending` in `media_objects` in
 * the same transaction, and downloaded right after the commit with the safety rules of `downloadMedia`
 * into the configured driver (a local directory by default, S3-compatible when MEDIA_S3_BUCKET is
 * set); `GET /media/{key}` serves it, long after Meta's CDN link has expired. A download holds its row
 * for a while (a claim); one that was under way when its process died is found again by the sweep (at
 * startup and every WORK_LEASE_MS up to 15 s, on any instance) and retried. A download that failed (too large, wrong type,
 * refused address, HTTP error) is recorded as failed and not retried.
 */
@Injectable()
@Extends(CONVERSATION_HOOKS)
export class MediaStoreService implements ConversationHooks, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MediaStoreService.name);
  readonly storage: MediaStorage;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sweeper: PollingLoop;
  /** How long one download holds its row before another instance (or the restarted one) may retry it: WORK_LEASE_MS. */
  private readonly claimMs: number;
  private stopping = false;

  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
    private readonly clock: Clock,
    private readonly links: MediaLinks,
  ) {
    this.storage = config.media.s3 ? new S3Storage(config.media.s3) : new LocalDirectoryStorage(config.media.directory);
    this.claimMs = config.work.leaseMs;
    this.sweeper = new PollingLoop('media-sweep', () => this.sweep(), Math.min(SWEEP_INTERVAL_MS, this.claimMs));
  }

  onApplicationBootstrap(): void {
    if (this.config.media.enabled) this.sweeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.sweeper.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /** In the message's transaction: its attachments to keep are recorded, then downloaded once it has committed. */
  async customerMessageStored(
    unit: ConversationUnit,
    _conversation: ConversationRow,
    messageId: number,
    stored: string | null,
  ): Promise<void> {
    if (!this.config.media.enabled || stored === null) return; // no content: no attachments
    const content = JSON.parse(stored) as { attachments?: InboundAttachment[] };
    const kept = (content.attachments ?? []).filter((a) => a.mediaKey && a.url);
    if (kept.length === 0) return;
    const repository = new MediaObjectRepository(unit.repos);
    for (const a of kept) {
      await repository.addPending({
        key: a.mediaKey!,
        message_id: messageId,
        source_url: a.url!,
        attachment_type: a.type,
        created_at: unit.now,
      });
    }
    unit.afterCommit(() => Promise.all(kept.map((a) => this.track(this.download(a.mediaKey!)))));
  }

  /**
   * Keeps a file an agent uploaded (already checked by the caller) under a new random key — as
   * unguessable as the HMAC keys of inbound media — and returns that key; `GET /media/{key}` serves it.
   */
  async storeUpload(body: Buffer, contentType: string, attachmentType: string, filename: string): Promise<string> {
    const key = randomBytes(20).toString('hex');
    await this.storage.put(key, body, contentType);
    const now = this.clock.now();
    await new MediaObjectRepository(this.persistence.repos).addStored({
      key,
      source_url: `${UPLOAD_SOURCE}${filename}`,
      content_type: contentType,
      size: body.length,
      attachment_type: attachmentType,
      stored_at: now,
    });
    return key;
  }

  /**
   * The bot's answer was queued: a media message or a carousel sending one of ccm's files (an upload's
   * ccm path or public link; a card's public picture) marks it used in the same transaction, as the
   * desk's send does, so retention keeps it until a delayed send. A file ccm no longer has is left to the send, which fails permanently.
   */
  async outboundQueued(
    unit: ConversationUnit,
    _conversation: ConversationRow,
    messageIds: readonly number[],
    content: OutboundContent,
  ): Promise<void> {
    if (!this.config.media.enabled || (content.kind !== 'media' && content.kind !== 'carousel') || messageIds.length === 0) return;
    await this.markUsed(unit.repos, messageIds[0], JSON.stringify(content));
  }

  /**
   * In the transaction that stores an outbound message (serialised `content`): the files of ccm it links
   * to are marked as used by it, so retention never deletes them (see `UploadRetention`). Returns the
   * linked keys ccm no longer has a file for; the caller refuses the message.
   */
  async markUsed(repos: Repositories, messageId: number, content: string): Promise<string[]> {
    const keys = this.links.keysIn(content);
    return keys.length === 0 ? [] : new MediaObjectRepository(repos).markUsed(keys, messageId);
  }

  /**
   * Why ccm must not upload its stored file `key` to `pageId` for message `messageId` (a ccm media path,
   * `/media/{key}/…`, sent by its bytes); undefined when it may. Anyone who can queue a message (bot,
   * API) could name any key, so only an agent's upload goes out this way (never a customer's inbound
   * media), and only on the Page of the conversation whose message first linked it. The message being
   * sent claims an upload no message links to yet (as the desk's send does when it stores the message),
   * which also keeps it from retention from now on.
   */
  async uploadRefusal(key: string, messageId: number, pageId: string): Promise<string | undefined> {
    const repo = new MediaObjectRepository(this.persistence.repos);
    const row = await repo.get(key);
    if (!row || row.status !== 'stored') return `the file ${key} is not in ccm's media store (never stored, or deleted by retention)`;
    if (!row.source_url.startsWith(UPLOAD_SOURCE))
      return `the file ${key} is not an agent's upload: only uploads can be sent by their ccm media link`;
    if (row.message_id === null) await repo.markUsed([key], messageId);
    const page = await repo.pageOfFirstUse(key);
    if (page !== pageId) return `the upload ${key} was attached in a conversation of another Page: it is sent only on that Page`;
    return undefined;
  }

  async get(key: string): Promise<{ row: MediaObjectRow; body: NodeJS.ReadableStream } | undefined> {
    const row = await new MediaObjectRepository(this.persistence.repos).get(key);
    if (!row || row.status !== 'stored') return undefined;
    const body = await this.storage.get(key);
    return body ? { row, body } : undefined;
  }

  /**
   * A stored file's bytes, content type and name (an upload's own name, else the key), for a channel that
   * uploads the file itself to the platform; undefined when ccm has no such file (never, or pruned).
   */
  async read(key: string): Promise<{ bytes: Buffer; contentType: string; filename: string } | undefined> {
    const found = await this.get(key);
    if (!found) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of found.body as AsyncIterable<Buffer | string>)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    const source = found.row.source_url;
    return {
      bytes: Buffer.concat(chunks),
      contentType: found.row.content_type ?? 'application/octet-stream',
      filename: source.startsWith(UPLOAD_SOURCE) ? source.slice(UPLOAD_SOURCE.length) : key,
    };
  }

  /** Retries the pending downloads nobody holds; true when there may be more (the loop runs again at once). */
  async sweep(): Promise<boolean> {
    const due = await new MediaObjectRepository(this.persistence.repos).listDue(this.clock.now(), 20);
    for (const row of due) {
      if (this.stopping) return false;
      this.logger.log(`media ${row.key} of message ${row.message_id ?? '?'} was not stored yet (attempt ${row.attempts + 1}): downloading`);
      await this.track(this.download(row.key));
    }
    return due.length === 20;
  }

  private track(work: Promise<void>): Promise<void> {
    const guarded = work.catch((error: unknown) =>
      this.logger.warn(`media download failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
    return guarded;
  }

  /** Downloads one pending attachment if nobody else holds it. */
  private async download(key: string): Promise<void> {
    const repository = new MediaObjectRepository(this.persistence.repos);
    const now = this.clock.now();
    const row = await repository.claim(key, now, now + this.claimMs);
    if (!row) return; // stored, failed, or another downloader holds it
    if (row.attempts > MAX_ATTEMPTS) {
      const error = `gave up after ${MAX_ATTEMPTS} interrupted downloads`;
      this.logger.warn(`attachment ${key} of message ${row.message_id ?? '?'} not stored (${error})`);
      await repository.finish(key, { status: 'failed', content_type: null, size: null, error, stored_at: null });
      return;
    }
    try {
      const { body, contentType } = await downloadMedia(row.source_url, row.attachment_type ?? 'file', {
        maxBytes: this.config.media.maxBytes,
        allowPrivateHosts: this.config.media.allowPrivateHosts,
      });
      await this.storage.put(key, body, contentType);
      await repository.finish(key, {
        status: 'stored',
        content_type: contentType,
        size: body.length,
        error: null,
        stored_at: this.clock.now(),
      });
    } catch (error) {
      const reason = error instanceof MediaDownloadError ? `${error.reason}: ${error.message}` : String(error);
      this.logger.warn(`attachment of message ${row.message_id ?? '?'} not stored (${reason})`);
      await repository.finish(key, { status: 'failed', content_type: null, size: null, error: reason, stored_at: null });
    }
  }
}
