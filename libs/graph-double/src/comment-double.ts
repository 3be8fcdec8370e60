import { numericPsid } from './psid';
import { randomInt } from 'node:crypto';

/** A Page comment the double knows (registered by the test or the comment simulator, or created by a reply). */
export interface DoubleComment {
  id: string;
  pageId: string;
  /** `<page>_<post>` */
  postId: string;
  parentId?: string;
  fromId: string;
  message: string;
  /** Epoch ms. */
  createdTime: number;
  hidden: boolean;
  deleted: boolean;
  likedByPage: boolean;
  privateReplied: boolean;
}

export type DoubleAnswer =
  [status: number, body: unknown] | { error: number; code: number; message: string; subcode?: number; type?: string };

const PRIVATE_REPLY_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
const MESSAGE_MAX = 8000;

/** The PSID the double gives the author of a comment once a private reply reaches them. */
export function psidOfCommenter(fromId: string): string {
  return numericPsid(`of-${fromId}`);
}

/**
 * The comment part of the Graph API double: `POST /{comment-id}/comments` (public reply),
 * `POST|DELETE /{comment-id}/likes`, `POST /{comment-id}` with `is_hidden`, `DELETE /{comment-id}`,
 * and the checks of a private reply (`recipient.comment_id` on the Send API): one per comment,
 * within 7 days of it, never to the Page's own comment. Errors are shaped like Meta's; where Meta's
 * exact code is not documented the choice is noted.
 */
export class CommentDouble {
  readonly comments = new Map<string, DoubleComment>();
  /** The PSID a private reply reaches for a commenter (the Messenger simulator maps its own customers). */
  psidOf: (fromId: string) => string = psidOfCommenter;

  add(comment: Omit<DoubleComment, 'hidden' | 'deleted' | 'likedByPage' | 'privateReplied'> & Partial<DoubleComment>): void {
    this.comments.set(comment.id, { hidden: false, deleted: false, likedByPage: false, privateReplied: false, ...comment });
  }

  /** Answers a comment call, or undefined when the path is not a comment endpoint of a known comment. */
  answer(method: string, path: string, body: Record<string, unknown>, pageId: string): DoubleAnswer | undefined {
    const m = /^\/([0-9A-Za-z]+_[0-9A-Za-z_]+)(\/comments|\/likes)?$/.exec(path);
    if (!m || (method !== 'POST' && method !== 'DELETE')) return undefined;
    const comment = this.comments.get(m[1]);
    if (!comment || comment.deleted) return missing(m[1]);
    if (comment.pageId !== pageId) return { error: 400, code: 200, message: '(#200) Permissions error', type: 'OAuthException' };
    const edge = m[2];
    if (edge === '/comments' && method === 'POST') {
      const message = body.message;
      if (typeof message !== 'string' || message.trim() === '')
        return { error: 400, code: 100, message: '(#100) Missing message or attachment' };
      if ([...message].length > MESSAGE_MAX)
        return { error: 400, code: 100, message: `(#100) Param message must be at most ${MESSAGE_MAX} characters long` };
      // Comments are one level deep: a reply to a reply goes into the top-level comment's thread.
      const root = comment.parentId && comment.parentId !== comment.postId ? comment.parentId : comment.id;
      const id = `${comment.postId.split('_')[1] ?? comment.postId}_${randomInt(1e9, 1e10)}`;
      this.add({ id, pageId, postId: comment.postId, parentId: root, fromId: pageId, message, createdTime: Date.now() });
      return [200, { id }];
    }
    if (edge === '/likes') {
      comment.likedByPage = method === 'POST';
      return [200, { success: true }];
    }
    if (edge === undefined && method === 'POST') {
      if (typeof body.is_hidden !== 'boolean') return { error: 400, code: 100, message: '(#100) Param is_hidden must be a boolean' };
      // Double's choice (Meta's code is not documented): the Page cannot hide its own comment.
      if (comment.fromId === pageId) return { error: 400, code: 100, message: '(#100) A Page cannot hide its own comment' };
      comment.hidden = body.is_hidden;
      return [200, { success: true }];
    }
    if (edge === undefined && method === 'DELETE') {
      comment.deleted = true;
      return [200, { success: true }];
    }
    return undefined;
  }

  /** Checks and records a private reply; returns the PSID of the comment's author or Meta's error. */
  privateReply(commentId: string, pageId: string, now = Date.now()): { psid: string } | Extract<DoubleAnswer, { error: number }> {
    const comment = this.comments.get(commentId);
    if (!comment || comment.deleted) return { error: 400, code: 100, message: '(#100) No matching user found', subcode: 2018001 };
    if (comment.pageId !== pageId) return { error: 400, code: 200, message: '(#200) Permissions error' };
    if (comment.fromId === pageId)
      return { error: 400, code: 100, message: "(#100) Cannot send a private reply to the Page's own comment" };
    // Meta answers a second private reply with (#10900) "Activity already replied to".
    if (comment.privateReplied) return { error: 400, code: 10900, message: '(#10900) Activity already replied to' };
    if (now - comment.createdTime > PRIVATE_REPLY_WINDOW_MS) {
      return { error: 400, code: 10, subcode: 2018278, message: '(#10) This message is sent outside of allowed window.' };
    }
    comment.privateReplied = true;
    return { psid: this.psidOf(comment.fromId) };
  }
}

function missing(id: string): DoubleAnswer {
  return {
    error: 400,
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message: `Unsupported post request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  };
}
