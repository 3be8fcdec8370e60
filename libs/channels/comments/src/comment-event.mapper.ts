import { createHash } from 'node:crypto';
import { InboundAttachment, InboundEvent, WebhookEntry } from '@app/core';
import { COMMENTS_CHANNEL, commentCustomerId, FeedChangeValue } from './page-comments.types';

/** Facts about one comment, recorded in the channel's index when its webhook is taken in. */
export interface CommentFact {
  commentId: string;
  pageId: string;
  postId: string;
  parentId?: string;
  authorId: string;
  authorName?: string;
  customerId: string;
  fromPage: boolean;
  /** Epoch ms. */
  createdTime: number;
}

export interface MappedFeed {
  events: InboundEvent[];
  facts: CommentFact[];
  skipped: { reason: string; pageId?: string }[];
}

/**
 * Where a comment's conversation is when the webhook alone cannot say: the Page's own comments (and
 * removals without `from`) join the conversation of the comment they answer — looked up in the index.
 */
export type ThreadLookup = (commentId: string) => string | undefined;

const EDIT_VERBS = ['edit', 'edited'];
const STATE_VERBS = ['remove', 'delete', 'hide', 'unhide'];

/**
 * Maps the `changes[]` of feed webhook entries to channel-neutral events. Pure and total.
 * - a customer's comment (`verb: add`) → `message` (mid = comment id; the bot and routing see a message);
 * - the Page's own comment → `echo` in the thread's conversation: recorded, never answered; replies ccm
 *   posted itself (`isOwnReply`) are dropped, the outbox already stores them;
 * - `edit`/`edited` → `message_edit`; `remove`/`delete`/`hide`/`unhide` → `channel_event` (payload = verb).
 * `created_time` is in seconds; events carry milliseconds like every other channel.
 */
export function mapFeedEntries(
  entries: readonly WebhookEntry[],
  lookup: ThreadLookup,
  isOwnReply: (commentId: string) => boolean = () => false,
): MappedFeed {
  const result: MappedFeed = { events: [], facts: [], skipped: [] };
  // A Page reply may answer a comment of the same batch: what this batch says counts before the index.
  const inBatch = new Map<string, string>();
  const lookupAll: ThreadLookup = (id) => inBatch.get(id) ?? lookup(id);
  for (const entry of entries as readonly unknown[]) {
    if (!isObject(entry)) {
      result.skipped.push({ reason: 'feed entry is not an object' });
      continue;
    }
    const pageId = idString(entry.id);
    if (!pageId) {
      result.skipped.push({ reason: 'feed entry without a page id' });
      continue;
    }
    if (!Array.isArray(entry.changes)) {
      result.skipped.push({ reason: 'changes is not an array', pageId });
      continue;
    }
    const entrySeconds = typeof entry.time === 'number' && Number.isFinite(entry.time) ? entry.time : undefined;
    for (const change of entry.changes as unknown[]) {
      if (!isObject(change) || change.field !== 'feed') continue; // other fields are not comments (not claimed either)
      const mapped = mapChange(change.value, pageId, entrySeconds, lookupAll, change);
      // A reply ccm itself posted comes back through the feed: the outbox stores it (with this id), so the
      // echo is dropped here — storing it too would race the outbox marking its own message sent.
      if ('event' in mapped && mapped.event.kind === 'echo' && mapped.event.mid && isOwnReply(mapped.event.mid)) continue;
      if ('reason' in mapped) result.skipped.push({ reason: mapped.reason, pageId });
      else {
        result.events.push(mapped.event);
        if (mapped.fact) {
          result.facts.push(mapped.fact);
          inBatch.set(mapped.fact.commentId, mapped.fact.customerId);
        }
      }
    }
  }
  return result;
}

function mapChange(
  rawValue: unknown,
  pageId: string,
  entrySeconds: number | undefined,
  lookup: ThreadLookup,
  raw: unknown,
): { event: InboundEvent; fact?: CommentFact } | { reason: string } {
  if (!isObject(rawValue)) return { reason: 'feed change without a value' };
  const value = rawValue as FeedChangeValue;
  if (value.item !== 'comment') return { reason: `feed item ${JSON.stringify(value.item)} is not a comment (not handled)` };
  const verb = typeof value.verb === 'string' ? value.verb : '';
  const commentId = idString(value.comment_id, 128);
  const postId = idString(value.post_id, 128);
  if (!commentId || !postId) return { reason: `comment ${verb} without comment_id or post_id` };
  const authorId = isObject(value.from) ? idString(value.from.id) : undefined;
  const fromPage = authorId === pageId;
  const parentId = idString(value.parent_id, 128);
  const createdSeconds = typeof value.created_time === 'number' && Number.isFinite(value.created_time) ? value.created_time : entrySeconds;
  if (createdSeconds === undefined) return { reason: `comment ${commentId} without created_time` };
  const createdTime = createdSeconds * 1000;
  // Edits and state changes happen after the comment: ordered by the notification time when it is later.
  const eventTime = Math.max(createdTime, (entrySeconds ?? 0) * 1000);

  const threadOf = () => lookup(commentId) ?? (parentId ? lookup(parentId) : undefined);
  const customerId = authorId && !fromPage ? commentCustomerId(postId, authorId) : (threadOf() ?? commentCustomerId(postId, pageId));
  const base = {
    channel: COMMENTS_CHANNEL,
    pageId,
    customerId,
    standby: false,
    raw,
    mid: commentId,
  };
  const key = (suffix: string) => `${COMMENTS_CHANNEL}:${pageId}:${suffix}`;

  if (verb === 'add') {
    if (!authorId) return { reason: `comment ${commentId} without from.id` };
    const text = typeof value.message === 'string' ? value.message : undefined;
    const attachments = photoOf(value.photo);
    const fact: CommentFact = {
      commentId,
      pageId,
      postId,
      parentId,
      authorId,
      authorName: isObject(value.from) && typeof value.from.name === 'string' ? value.from.name : undefined,
      customerId,
      fromPage,
      createdTime,
    };
    if (fromPage) {
      return {
        event: {
          ...base,
          kind: 'echo',
          timestamp: createdTime,
          userOriginated: false,
          dedupeKey: key(`add:${commentId}`),
          text,
          attachments,
        },
        fact,
      };
    }
    return {
      event: {
        ...base,
        kind: 'message',
        timestamp: createdTime,
        userOriginated: true,
        dedupeKey: key(`add:${commentId}`),
        text,
        attachments,
      },
      fact,
    };
  }
  if (EDIT_VERBS.includes(verb)) {
    const text = typeof value.message === 'string' ? value.message : undefined;
    if (text === undefined) return { reason: `comment edit ${commentId} without message` };
    return {
      event: {
        ...base,
        kind: 'message_edit',
        timestamp: eventTime,
        userOriginated: false,
        dedupeKey: key(`edit:${commentId}:${hash(text)}`),
        text,
      },
    };
  }
  if (STATE_VERBS.includes(verb)) {
    return {
      event: {
        ...base,
        kind: 'channel_event',
        payload: verb,
        timestamp: eventTime,
        userOriginated: false,
        dedupeKey: key(`${verb}:${commentId}:${eventTime}`),
      },
    };
  }
  return { reason: `comment verb ${JSON.stringify(verb)} not handled` };
}

function photoOf(photo: unknown): InboundAttachment[] | undefined {
  return typeof photo === 'string' && /^https:\/\//.test(photo) ? [{ type: 'image', url: photo, raw: photo }] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idString(value: unknown, max = 64): string | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= max && /^[\w.-]+$/.test(value)) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function hash(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value) ?? '')
    .digest('hex')
    .slice(0, 24);
}
