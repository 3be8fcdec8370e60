import { Injectable, Logger } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Extends } from '@app/core';
import { PersistenceService, RETENTION_TASKS, RetentionTask } from '@app/persistence';
import { MediaObjectRepository } from './media-object.repository';
import { MediaStoreService } from './media-store.service';

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 100;

/**
 * Prunes agents' uploads that were never sent. An upload is kept as long as a message links to it:
 * the transcript shows it by ccm's link (the desk, the chat server), a failed send can be retried, and
 * the outbox may still be sending it — and messages are never pruned, so a sent file stays with its
 * transcript. The link is recorded when the message is stored (`MediaStoreService.markUsed`, same
 * transaction). An upload no message links to `RETENTION_DAYS` after it was stored is one the agent
 * gave up on (refused by the send, or never sent), and is deleted: first its row, conditionally, so a
 * send racing with the prune either marks it first (kept) or finds it gone (refused: attach it again);
 * then its bytes. Inbound media belong to their customer message and are never pruned here.
 */
@Injectable()
@Extends(RETENTION_TASKS)
export class UploadRetention implements RetentionTask {
  readonly name = 'uploads';
  private readonly logger = new Logger(UploadRetention.name);

  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
    private readonly media: MediaStoreService,
  ) {}

  async prune(now: number): Promise<number> {
    const repository = new MediaObjectRepository(this.persistence.repos);
    const cutoff = now - this.config.work.retentionDays * DAY_MS;
    let deleted = 0;
    for (;;) {
      const keys = await repository.listUnusedUploads(cutoff, BATCH);
      for (const key of keys) {
        if (!(await repository.deleteIfUnused(key))) continue; // a message links to it now
        // A crash right here leaves bytes nothing names (never served, never sent): harmless, only space.
        await this.media.storage.delete(key);
        deleted++;
      }
      if (keys.length < BATCH) break;
    }
    if (deleted > 0) this.logger.log(`deleted ${deleted} uploads no message links to, older than ${this.config.work.retentionDays} days`);
    return deleted;
  }
}
