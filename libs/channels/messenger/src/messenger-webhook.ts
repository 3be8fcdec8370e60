import { ChannelWebhook, ChannelWebhookMapping, InboundEvent, WebhookEntry } from '@app/core';
import { mapMessengerWebhook } from './messenger-event.mapper';
import { PageDirectory } from '@app/meta';

/** Messenger's part of Meta's Page webhook: entries with `messaging[]` or `standby[]`. */
export class MessengerWebhook implements ChannelWebhook {
  readonly objects = ['page'];

  constructor(
    private readonly pages: PageDirectory,
    /** Media store: gives kept attachments ccm's link (absent: Meta's URLs only). */
    private readonly media?: { decorate(event: InboundEvent): InboundEvent },
  ) {}

  claims(_object: string, entry: WebhookEntry): boolean {
    return entry.messaging !== undefined || entry.standby !== undefined;
  }

  async map(object: string, entries: readonly WebhookEntry[]): Promise<ChannelWebhookMapping> {
    const mapped = mapMessengerWebhook({ object, entry: entries });
    const ignoredPages: string[] = [];
    const events = mapped.events.filter((event) => {
      if (this.pages.find(event.pageId)) return true;
      ignoredPages.push(event.pageId);
      return false;
    });
    return { events: this.media ? events.map((e) => this.media!.decorate(e)) : events, skipped: mapped.skipped, ignoredPages };
  }
}
