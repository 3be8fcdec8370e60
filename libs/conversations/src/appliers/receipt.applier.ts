import { Injectable } from '@nestjs/common';
import { Extends, InboundEvent } from '@app/core';
import { ConversationRow } from '@app/persistence';
import { ConversationUnit } from '../conversation-unit';
import { ConversationEventApplier, INBOUND_APPLIERS } from '../inbound-applier';

/**
 * Delivery and read receipts: every outbound message up to the watermark (or named by the receipt)
 * moves forward to `delivered` / `read` — never backwards — and live views are told.
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class ReceiptApplier implements ConversationEventApplier {
  readonly scope = 'conversation';
  readonly kinds = ['delivery', 'read'] as const;

  async apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow): Promise<void> {
    const status = event.kind === 'read' ? 'read' : 'delivered';
    const changed = await unit.repos.messages.advanceStatus(conversation.id, status, event.watermark, event.receiptMids ?? []);
    for (const messageId of changed) unit.publish({ type: 'message.status', conversationId: conversation.id, messageId, status });
  }
}
