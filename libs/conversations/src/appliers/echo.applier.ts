import { Injectable } from '@nestjs/common';
import { Extends, InboundEvent } from '@app/core';
import { ConversationRow } from '@app/persistence';
import { ConversationUnit } from '../conversation-unit';
import { ConversationEventApplier, INBOUND_APPLIERS } from '../inbound-applier';

/**
 * A message the Page sent. Our own (the channel recognised its marker) is already stored: only the
 * channel's message id is attached. Anything else was written by a person at the business (Page
 * inbox, another app) and joins the transcript as an agent message.
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class EchoApplier implements ConversationEventApplier {
  readonly scope = 'conversation';
  readonly kinds = ['echo'] as const;

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow): Promise<void> {
    if (event.ownMessageId !== undefined && event.mid) {
      await unit.repos.messages.attachMid(event.ownMessageId, conversation.id, event.mid);
      return;
    }
    const id = await unit.repos.messages.insertOnce({
      conversation_id: conversation.id,
      direction: 'out',
      author: 'agent',
      text: event.text ?? null,
      content: event.attachments ? JSON.stringify({ attachments: event.attachments }) : null,
      mid: event.mid ?? null,
      status: 'sent',
      attempts: 0,
      next_attempt_at: null,
      lease_until: null,
      error: null,
      event_ts: event.timestamp,
      created_at: unit.now,
      sent_at: event.timestamp,
    });
    if (id !== undefined)
      unit.publish({ type: 'message.created', conversationId: conversation.id, messageId: id, direction: 'out', author: 'agent' });
  }
}
