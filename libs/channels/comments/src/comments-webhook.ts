import { ChannelWebhook, ChannelWebhookMapping, Clock, WebhookEntry } from '@app/core';
import { PageDirectory } from '@app/meta';
import { PersistenceService } from '@app/persistence';
import { mapFeedEntries } from './comment-event.mapper';
import { PageCommentRepository } from './page-comment.repository';

/** The comments part of Meta's Page webhook: entries with `changes[]` of `field: "feed"`. */
export class CommentsWebhook implements ChannelWebhook {
  readonly objects = ['page'];

  constructor(
    private readonly pages: PageDirectory,
    private readonly persistence: PersistenceService,
    private readonly clock: Clock,
  ) {}

  claims(_object: string, entry: WebhookEntry): boolean {
    return (
      Array.isArray(entry.changes) &&
      entry.changes.some((c: unknown) => typeof c === 'object' && c !== null && (c as { field?: unknown }).field === 'feed')
    );
  }

  async map(_object: string, entries: readonly WebhookEntry[]): Promise<ChannelWebhookMapping> {
    const ignoredPages: string[] = [];
    const served = entries.filter((entry) => {
      const pageId = typeof entry.id === 'string' || typeof entry.id === 'number' ? String(entry.id) : undefined;
      if (pageId === undefined || this.pages.find(pageId)) return true;
      ignoredPages.push(pageId);
      return false;
    });
    const repo = new PageCommentRepository(this.persistence.repos);
    // The Page's own comments join the thread they answer: look up the threads named in this batch once.
    const ids = referencedIds(served);
    const known = await repo.customersOf(ids);
    const ours = await repo.ownReplies(ids);
    const mapped = mapFeedEntries(
      served,
      (id) => known.get(id),
      (id) => ours.has(id),
    );
    // Facts (author, post, created_time) are immutable and written idempotently before the events are
    // journaled: a later private reply or a Page reply needs them, and a redelivery changes nothing.
    await repo.recordFacts(mapped.facts, this.clock.now());
    return { events: mapped.events, skipped: mapped.skipped, ignoredPages };
  }
}

function referencedIds(entries: readonly WebhookEntry[]): string[] {
  const ids = new Set<string>();
  for (const entry of entries) {
    if (!Array.isArray(entry.changes)) continue;
    for (const change of entry.changes as unknown[]) {
      const value =
        typeof change === 'object' && change !== null
          ? (change as { value?: { comment_id?: unknown; parent_id?: unknown } }).value
          : undefined;
      for (const id of [value?.comment_id, value?.parent_id]) if (typeof id === 'string' && id.length <= 128) ids.add(id);
    }
  }
  return [...ids];
}
