import { Injectable, Logger } from '@nestjs/common';
import { Extends, InboundEvent } from '@app/core';
import { ConversationUnit, INBOUND_APPLIERS, PageEventApplier } from '@app/conversations';
import { MESSENGER_CHANNEL } from './messenger.constants';

/**
 * Meta's `policy_enforcement` webhook: a blocked Page stops sending (its messages stay queued) until
 * Meta unblocks it; other notices are logged. Recorded with the journal mark, in one transaction.
 */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class PagePolicyApplier implements PageEventApplier {
  readonly scope = 'page';
  readonly kinds = ['page_policy'] as const;
  readonly channel = MESSENGER_CHANNEL;
  private readonly logger = new Logger(PagePolicyApplier.name);

  async apply(unit: ConversationUnit, event: InboundEvent): Promise<void> {
    const action = event.payload;
    const why = event.text ?? null;
    if (action === 'block') {
      this.logger.error(`ALERT: Meta blocked page ${event.pageId} (${why ?? 'no reason given'}): sends to this page are stopped`);
      await unit.repos.pageStates.setBlocked(event.pageId, true, why, unit.now);
    } else if (action === 'unblock') {
      this.logger.warn(`Meta unblocked page ${event.pageId}: sends resume`);
      await unit.repos.pageStates.setBlocked(event.pageId, false, null, unit.now);
    } else {
      this.logger.warn(`Meta policy ${action ?? 'notice'} for page ${event.pageId}: ${why ?? ''}`);
    }
  }
}
