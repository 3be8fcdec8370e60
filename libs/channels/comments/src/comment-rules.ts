import { ChannelActionName } from '@app/core';
import { PRIVATE_REPLY_WINDOW_MS } from './page-comments.types';

/** The part of a stored comment the rules look at. */
export interface CommentState {
  from_page: number;
  created_time: number;
  removed: number;
  hidden: number;
  private_reply_at: number | null;
}

export type RuleVerdict = { allowed: true } | { allowed: false; reason: string };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Meta's rules for acting on a comment (fact sheet §3.15, §14.1 item 10), checked locally so the
 * agent hears the reason instead of a Graph error code — and no call is spent on a certain refusal:
 * - a private reply: once per comment, within 7 days of its `created_time`, never to the Page's own comment;
 * - nothing can be done to a removed comment; the Page does not hide, like or answer itself privately.
 */
export function checkCommentAction(action: ChannelActionName, comment: CommentState, now: number): RuleVerdict {
  if (comment.removed) return refuse('the comment was removed');
  const own = comment.from_page === 1;
  switch (action) {
    case 'private_reply': {
      if (own) return refuse("a private reply cannot be sent to the Page's own comment");
      if (comment.private_reply_at !== null)
        return refuse('a private reply was already sent to this comment (Meta allows one per comment)');
      const age = now - comment.created_time;
      if (age > PRIVATE_REPLY_WINDOW_MS) {
        return refuse(`the comment is ${Math.floor(age / DAY_MS)} days old: Meta allows a private reply only within 7 days of the comment`);
      }
      return { allowed: true };
    }
    case 'hide':
    case 'unhide':
      if (own) return refuse("the Page's own comment cannot be hidden; delete it instead");
      if (action === 'hide' && comment.hidden) return refuse('the comment is already hidden');
      if (action === 'unhide' && !comment.hidden) return refuse('the comment is not hidden');
      return { allowed: true };
    case 'like':
    case 'unlike':
      if (own) return refuse('the Page does not like its own comment');
      return { allowed: true };
    case 'public_reply':
    case 'delete':
      return { allowed: true };
  }
}

function refuse(reason: string): RuleVerdict {
  return { allowed: false, reason };
}
