import { Injectable } from '@nestjs/common';
import { Extends, InboundEvent } from '@app/core';
import { ConversationRow } from '@app/persistence';
import { ConversationUnit } from '../conversation-unit';
import { ConversationEventApplier, describeEvent, INBOUND_APPLIERS } from '../inbound-applier';

/**
 * Every other conversation event (reaction, referral, opt-in, account linking, thread control, a
 * channel event its channel does not apply itself, unknown): recorded in the audit trail, never
 * answered. What the customer did still counts as them writing (Meta's window).
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class ActivityApplier implements ConversationEventApplier {
  readonly scope = 'conversation';
  readonly kinds = ['*'] as const;

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow): Promise<void> {
    await unit.record(conversation.id, event.kind, describeEvent(event), event.standby ? 'standby' : 'customer');
    if (event.userOriginated) await unit.noteCustomerActivity(conversation.id, event.timestamp);
    if (event.userOriginated || event.kind === 'reaction')
      unit.publish({ type: 'customer.activity', conversationId: conversation.id, kind: event.kind });
  }
}
