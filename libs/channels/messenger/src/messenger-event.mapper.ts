import { ChannelId, InboundEvent } from '@app/core';
import { EventBase, hash, mapMessagingWebhook, MappedWebhook, MessengerItem } from '@app/meta';
import { LIKE_STICKER_ID, ownMessageIdOf } from './messenger.constants';

/**
 * Messenger's webhook body → channel-neutral events: Meta's messaging-webhook shape (shared with
 * Instagram, in `@app/meta`), plus what only Messenger means: a like-sticker-only message is an
 * acknowledgement, and an echo carrying our metadata marker is our own message.
 */
export function mapMessengerWebhook(body: unknown, channel: ChannelId = 'messenger'): MappedWebhook {
  const mapped = mapMessagingWebhook(body, channel, messengerItem);
  mapped.events = mapped.events.map(normalise); // fresh objects of this call: completed in place (no spread, see mapItem)
  return mapped;
}

/** Messenger's own items: Page policy events and delivery receipts. */
function messengerItem(item: MessengerItem, base: EventBase, sender: string | undefined): InboundEvent | { reason: string } | undefined {
  return pagePolicyItem(item, base) ?? deliveryItem(item, base, sender);
}

/**
 * A delivery receipt names the delivered message ids besides its watermark. Meta's documented shape
 * has no timestamp: the watermark orders it then.
 */
function deliveryItem(item: MessengerItem, base: EventBase, sender: string | undefined): InboundEvent | { reason: string } | undefined {
  const delivery = item.delivery as { mids?: unknown; watermark?: unknown } | undefined;
  if (typeof delivery !== 'object' || delivery === null || Array.isArray(delivery) || !sender) return undefined;
  const watermark = Number(delivery.watermark);
  const timestamp = typeof item.timestamp === 'number' && Number.isFinite(item.timestamp) ? item.timestamp : watermark;
  if (!Number.isFinite(timestamp)) return { reason: 'delivery receipt without a timestamp or watermark' };
  return Object.assign(base('delivery', sender, `delivery:${sender}:${watermark}`, false), {
    timestamp,
    watermark: Number.isFinite(watermark) ? watermark : undefined,
    receiptMids: Array.isArray(delivery.mids) ? delivery.mids.filter((m): m is string => typeof m === 'string') : [],
  });
}

/** Meta restricting or releasing the Page (`policy_enforcement`, once spelled `policy-enforcement`). */
function pagePolicyItem(item: MessengerItem, base: EventBase): InboundEvent | undefined {
  const policy = (item.policy_enforcement ?? item['policy-enforcement']) as { action?: unknown; reason?: unknown } | undefined;
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return undefined;
  const timestamp = typeof item.timestamp === 'number' ? item.timestamp : undefined;
  return Object.assign(base('page_policy', undefined, `policy:${hash(policy.action)}:${timestamp ?? hash(item)}`, false), {
    payload: typeof policy.action === 'string' ? policy.action : undefined,
    text: typeof policy.reason === 'string' ? policy.reason : undefined,
  });
}

function normalise(event: InboundEvent): InboundEvent {
  if (event.kind === 'echo') {
    const ownMessageId = ownMessageIdOf(event.payload);
    return ownMessageId === undefined ? event : Object.assign(event, { ownMessageId });
  }
  if (event.kind === 'message' && isLikeOnly(event)) return Object.assign(event, { acknowledgement: true });
  return event;
}

/** A message that is only the "like" sticker: the customer acknowledges, nobody needs to answer. */
function isLikeOnly(event: InboundEvent): boolean {
  if (event.text !== undefined || event.payload !== undefined || !event.attachments?.length) return false;
  return event.attachments.every((a) => a.stickerId === LIKE_STICKER_ID);
}
