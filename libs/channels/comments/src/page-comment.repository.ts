import { Kysely, Selectable } from 'kysely';
import { Database, Repositories } from '@app/persistence';
import { CommentFact } from './comment-event.mapper';
import { PageCommentsTable } from './page-comments.types';

export type PageCommentRow = Selectable<PageCommentsTable>;
type CommentsDatabase = Database & { page_comments: PageCommentsTable };

/**
 * The comments channel's own table, bound to the executor of a `Repositories` (pool or transaction),
 * so its writes join the unit of work they belong to. The core never reads it.
 */
export class PageCommentRepository {
  private readonly db: Kysely<CommentsDatabase>;

  constructor(repos: Repositories) {
    this.db = repos.db.withTables<{ page_comments: PageCommentsTable }>();
  }

  /** Records what the webhook says about a comment; a redelivery changes nothing (facts are immutable). */
  async recordFacts(facts: readonly CommentFact[], now: number): Promise<void> {
    for (const f of facts) {
      await this.db
        .insertInto('page_comments')
        .values({
          comment_id: f.commentId,
          page_id: f.pageId,
          post_id: f.postId,
          parent_id: f.parentId ?? null,
          author_id: f.authorId,
          author_name: f.authorName ?? null,
          customer_id: f.customerId,
          from_page: f.fromPage ? 1 : 0,
          created_time: f.createdTime,
          hidden: 0,
          removed: 0,
          liked: 0,
          private_reply_at: null,
          private_reply_conversation_id: null,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('comment_id').doNothing())
        .execute();
    }
  }

  async find(commentId: string): Promise<PageCommentRow | undefined> {
    return this.db.selectFrom('page_comments').selectAll().where('comment_id', '=', commentId).executeTakeFirst();
  }

  /** Customer id (conversation) of each known comment among `ids`. */
  async customersOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('page_comments')
      .select(['comment_id', 'customer_id'])
      .where('comment_id', 'in', [...ids])
      .execute();
    return new Map(rows.map((r) => [r.comment_id, r.customer_id]));
  }

  /** Which of `ids` are replies ccm posted itself (indexed by the sender right after Meta answered). */
  async ownReplies(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('page_comments')
      .select('comment_id')
      .where('comment_id', 'in', [...ids])
      .where('from_page', '=', 1)
      .execute();
    return new Set(rows.map((r) => r.comment_id));
  }

  /** The customer's latest comment in a conversation that is still there (what a reply answers by default). */
  async latestCustomerComment(pageId: string, customerId: string): Promise<PageCommentRow | undefined> {
    return this.db
      .selectFrom('page_comments')
      .selectAll()
      .where('page_id', '=', pageId)
      .where('customer_id', '=', customerId)
      .where('from_page', '=', 0)
      .where('removed', '=', 0)
      .orderBy('created_time', 'desc')
      .orderBy('comment_id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async setFlags(commentId: string, flags: Partial<Pick<PageCommentsTable, 'hidden' | 'removed' | 'liked'>>, now: number): Promise<void> {
    await this.db
      .updateTable('page_comments')
      .set({ ...flags, updated_at: now })
      .where('comment_id', '=', commentId)
      .execute();
  }

  /**
   * Claims the comment's one private reply (atomic: a conditional UPDATE, so two agents at once cannot
   * both send). Returns false when a private reply was already sent (or is being sent).
   */
  async claimPrivateReply(commentId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('page_comments')
      .set({ private_reply_at: now, updated_at: now })
      .where('comment_id', '=', commentId)
      .where('private_reply_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Meta refused the private reply (it was not sent): the comment may be answered privately again. */
  async releasePrivateReply(commentId: string, claimedAt: number): Promise<void> {
    await this.db
      .updateTable('page_comments')
      .set({ private_reply_at: null })
      .where('comment_id', '=', commentId)
      .where('private_reply_at', '=', claimedAt)
      .execute();
  }

  async notePrivateReplyConversation(commentId: string, conversationId: string, now: number): Promise<void> {
    await this.db
      .updateTable('page_comments')
      .set({ private_reply_conversation_id: conversationId, updated_at: now })
      .where('comment_id', '=', commentId)
      .execute();
  }

  /**
   * Keeps the stored comment (a message whose `mid` is the comment id) in step with the comment:
   * its state (`removed`, `hidden`, …) is merged into the message's `content.comment`.
   */
  async markMessage(conversationId: string, commentId: string, state: Record<string, boolean>): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .select(['id', 'content'])
      .where('conversation_id', '=', conversationId)
      .where('mid', '=', commentId)
      .executeTakeFirst();
    if (!row) return undefined;
    let content: Record<string, unknown>;
    try {
      content = row.content ? (JSON.parse(row.content) as Record<string, unknown>) : {};
    } catch {
      content = {};
    }
    const comment = {
      ...(typeof content.comment === 'object' && content.comment !== null ? (content.comment as Record<string, unknown>) : {}),
      ...state,
    };
    await this.db
      .updateTable('messages')
      .set({ content: JSON.stringify({ ...content, comment }) })
      .where('id', '=', row.id)
      .execute();
    return Number(row.id);
  }
}
