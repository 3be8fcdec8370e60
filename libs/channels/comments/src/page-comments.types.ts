import { ChannelDescriptor } from '@app/core';

/** The channel id of Page comment conversations. */
export const COMMENTS_CHANNEL = 'facebook-comments';

export const COMMENTS_DESCRIPTOR: ChannelDescriptor = {
  id: COMMENTS_CHANNEL,
  displayName: 'Facebook Page comments',
  docsUrl: 'https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed',
  // Comments are plain text: no templates, no typing indicator, no read receipts.
  capabilities: {
    richTemplates: false,
    typingIndicators: false,
    readReceipts: false,
    actions: ['public_reply', 'private_reply', 'like', 'unlike', 'hide', 'unhide', 'delete'],
    publicReplies: true,
  },
};

/** Meta allows one private reply per comment, within 7 days of the comment's `created_time`. */
export const PRIVATE_REPLY_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** The `value` of a `changes[]` item with `field: "feed"` (the subset read; the rest stays in `raw`). */
export interface FeedChangeValue {
  item?: unknown;
  verb?: unknown;
  from?: { id?: unknown; name?: unknown };
  comment_id?: unknown;
  post_id?: unknown;
  parent_id?: unknown;
  /** Unix SECONDS (unlike Messenger's milliseconds). */
  created_time?: unknown;
  message?: unknown;
  photo?: unknown;
  is_hidden?: unknown;
}

/** What the channel keeps about a comment (table `page_comments`, migration 0200). */
export interface PageCommentsTable {
  comment_id: string;
  page_id: string;
  post_id: string;
  parent_id: string | null;
  author_id: string;
  author_name: string | null;
  /** The conversation's customer id: post id + commenter id (see `commentCustomerId`). */
  customer_id: string;
  from_page: number;
  /** Epoch ms. */
  created_time: number;
  hidden: number;
  removed: number;
  liked: number;
  private_reply_at: number | null;
  private_reply_conversation_id: string | null;
  updated_at: number;
}

/**
 * One conversation per post and commenter: the customer id of a comment conversation. A Page id is
 * never a commenter here (the Page's own comments join the thread they answer).
 */
export function commentCustomerId(postId: string, authorId: string): string {
  return `${postId}:${authorId}`;
}
