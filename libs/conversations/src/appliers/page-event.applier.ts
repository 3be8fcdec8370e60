import { Injectable, Logger } from '@nestjs/common';
import { Extends, InboundEvent } from '@app/core';
import { INBOUND_APPLIERS, PageEventApplier } from '../inbound-applier';

/** A Page-level event no channel applies itself: logged and marked done. */
@Injectable()
@Extends(INBOUND_APPLIERS)
export class LoggedPageEventApplier implements PageEventApplier {
  readonly scope = 'page';
  readonly kinds = ['*'] as const;
  private readonly logger = new Logger(LoggedPageEventApplier.name);

  async apply(_unit: unknown, event: InboundEvent): Promise<void> {
    this.logger.log(`page-level ${event.kind} event for page ${event.pageId} recorded`);
  }
}
