import { Injectable } from '@nestjs/common';
import { Extends, InboundEvent } from '@app/core';
import { ConversationRow } from '@app/persistence';
import { ConversationUnit } from '../conversation-unit';
import { ConversationEventApplier, describeEvent, INBOUND_APPLIERS } from '../inbound-applier';

/**
 * The customer reacted to a message (or took the reaction back): recorded in the audit trail like
 * any activity, counted as the customer acting (Meta: a reaction re-opens the window), and shown on
 * the message itself, live (`message.updated`). Never answered.
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class ReactionApplier implements ConversationEventApplier {
  readonly scope = 'conversation';
  readonly kinds = ['reaction'] as const;

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow): Promise<void> {
    await unit.record(conversation.id, event.kind, describeEvent(event), event.standby ? 'standby' : 'customer');
    if (event.userOriginated) await unit.noteCustomerActivity(conversation.id, event.timestamp);
    unit.publish({ type: 'customer.activity', conversationId: conversation.id, kind: event.kind });
    if (!event.mid) return;
    const emoji = event.payload === 'unreact' ? null : (event.reaction ?? '👍');
    const messageId = await unit.repos.messages.applyReaction(conversation.id, event.mid, emoji, event.timestamp);
    if (messageId !== undefined) unit.publish({ type: 'message.updated', conversationId: conversation.id, messageId, change: 'reaction' });
  }
}
