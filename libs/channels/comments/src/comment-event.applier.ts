import { Injectable } from '@nestjs/common';
import { Extends, InboundEvent } from '@app/core';
import { ConversationEventApplier, ConversationUnit, INBOUND_APPLIERS } from '@app/conversations';
import { ConversationRow } from '@app/persistence';
import { PageCommentRepository } from './page-comment.repository';
import { COMMENTS_CHANNEL } from './page-comments.types';

const STATE_VERBS: Record<string, { type: string; flags: { hidden?: number; removed?: number }; state: Record<string, boolean> }> = {
  remove: { type: 'comment_removed', flags: { removed: 1 }, state: { removed: true } },
  delete: { type: 'comment_removed', flags: { removed: 1 }, state: { removed: true } },
  hide: { type: 'comment_hidden', flags: { hidden: 1 }, state: { hidden: true } },
  unhide: { type: 'comment_unhidden', flags: { hidden: 0 }, state: { hidden: false } },
};

/**
 * A comment removed, deleted, hidden or unhidden (from the feed webhook): the stored comment and its
 * message follow, and the audit trail says so — in the transaction that marks the event done.
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class CommentEventApplier implements ConversationEventApplier {
  readonly scope = 'conversation';
  readonly kinds = ['channel_event'] as const;
  readonly channel = COMMENTS_CHANNEL;

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow): Promise<void> {
    const verb = STATE_VERBS[event.payload ?? ''];
    if (!verb || !event.mid) {
      await unit.record(conversation.id, 'comment_event', `comment ${event.payload ?? '?'} ${event.mid ?? ''}`.trim(), 'customer');
      return;
    }
    const repo = new PageCommentRepository(unit.repos);
    await repo.setFlags(event.mid, verb.flags, unit.now);
    await repo.markMessage(conversation.id, event.mid, verb.state);
    await unit.record(conversation.id, verb.type, `comment ${event.mid}`, 'customer');
  }
}
