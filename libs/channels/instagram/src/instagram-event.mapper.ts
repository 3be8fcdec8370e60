import { ChannelWebhookMapping, InboundAttachment, InboundEvent, WebhookEntry } from '@app/core';
import { mapMessagingWebhook } from '@app/meta';

export const INSTAGRAM_CHANNEL = 'instagram';

/**
 * Maps the `messaging[]`/`standby[]` items of `object: "instagram"` webhook entries (Messenger API
 * for Instagram, fact sheet §11) to channel-neutral events. Instagram uses the Messenger item shapes
 * (message, echo, postback, quick reply, reaction, referral, `read` for `messaging_seen`), so the
 * Messenger mapper does the common part; this adds what only Instagram sends:
 * - `entry.id` is the Instagram professional account id: events are re-keyed to the linked Page
 *   (`pageIdOf`), whose token answers them; entries of unlinked accounts are ignored;
 * - story replies (`message.reply_to.story{url,id}`) and story mentions (`attachments[].type:
 *   "story_mention"`) are kept as attachments of the message, marked ephemeral (never downloaded);
 * - an unsent message (`message.is_deleted`) becomes a `channel_event` (`message_deleted`), recorded.
 * Pure and total: anything goes in, nothing throws; what cannot be understood is reported in `skipped`.
 */
export function mapInstagramEntries(
  entries: readonly WebhookEntry[],
  pageIdOf: (instagramAccountId: string) => string | undefined,
): ChannelWebhookMapping {
  const mapped = mapMessagingWebhook({ object: 'instagram', entry: entries }, INSTAGRAM_CHANNEL);
  const result: ChannelWebhookMapping = { events: [], skipped: mapped.skipped, ignoredPages: [] };
  for (const event of mapped.events) {
    const pageId = pageIdOf(event.pageId);
    if (!pageId) {
      result.ignoredPages!.push(event.pageId);
      continue;
    }
    result.events.push(withInstagramParts({ ...event, pageId }, event.pageId));
  }
  return result;
}

function withInstagramParts(event: InboundEvent, instagramAccountId: string): InboundEvent {
  const message = isObject(event.raw) && isObject(event.raw.message) ? event.raw.message : undefined;
  if (!message) return event;
  if (message.is_deleted === true && event.kind === 'message') {
    // Unsend: the customer removed the message; the transcript keeps it, the audit trail says so.
    return { ...event, kind: 'channel_event', payload: 'message_deleted', userOriginated: false, dedupeKey: `${event.dedupeKey}:deleted` };
  }
  const attachments: InboundAttachment[] = (event.attachments ?? []).map((a) =>
    a.type === 'story_mention' ? { ...a, ephemeral: true } : a,
  );
  const story = isObject(message.reply_to) && isObject(message.reply_to.story) ? message.reply_to.story : undefined;
  if (story) {
    attachments.push({
      type: 'story_reply',
      url: typeof story.url === 'string' ? story.url : undefined,
      title: typeof story.id === 'string' ? `story ${story.id}` : undefined,
      ephemeral: true,
      raw: story,
    });
  }
  return {
    ...event,
    attachments: attachments.length > 0 ? attachments : event.attachments,
    // Kept for the desk and audit: which Instagram account the customer wrote to.
    raw: { ...(event.raw as object), instagram_account_id: instagramAccountId },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
