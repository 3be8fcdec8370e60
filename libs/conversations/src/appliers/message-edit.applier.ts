import { Injectable } from '@nestjs/common';
import { Extends, InboundEvent } from '@app/core';
import { ConversationRow } from '@app/persistence';
import { ConversationUnit } from '../conversation-unit';
import { ConversationEventApplier, INBOUND_APPLIERS } from '../inbound-applier';

/** The customer edited a message: the stored text follows, live views are told, and the audit trail says so. */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class MessageEditApplier implements ConversationEventApplier {
  readonly scope = 'conversation';
  readonly kinds = ['message_edit'] as const;

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow): Promise<void> {
    if (!event.mid || event.text === undefined) return;
    const messageId = await unit.repos.messages.applyEdit(conversation.id, event.mid, event.text, event.timestamp);
    if (messageId === undefined) return;
    await unit.record(conversation.id, 'message_edited', `mid ${event.mid}`, 'customer');
    unit.publish({ type: 'message.updated', conversationId: conversation.id, messageId, change: 'edit' });
  }
}
