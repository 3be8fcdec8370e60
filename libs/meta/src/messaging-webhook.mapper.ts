import { createHash } from 'node:crypto';
import { ChannelId, InboundAttachment, InboundEvent, InboundEventKind } from '@app/core';
import { MessengerEntry, MessengerItem } from './messaging-webhook.types';

/** A customer known only by a chat-plugin `user_ref` (no PSID) has the customer id `user_ref:<ref>`. */
export const USER_REF_PREFIX = 'user_ref:';

export interface MappedWebhook {
  events: InboundEvent[];
  /** Items that could not be mapped (malformed): logged and skipped, the rest of the batch is kept. */
  skipped: { reason: string; pageId?: string }[];
  /** Page ids of the entries, for routing and for ignoring unknown pages. */
  pageIds: string[];
}

const HANDOVER_KEYS = ['pass_thread_control', 'take_thread_control', 'request_thread_control', 'app_roles'] as const;

/**
 * Turns one Messenger webhook body into channel-neutral inbound events. Pure and total: any JSON
 * value goes in, nothing throws; what cannot be understood is reported in `skipped`.
 */
/**
 * A channel's own reading of an item before the shared one (e.g. Messenger's Page policy events):
 * returns the event, or undefined to leave the item to the shared mapping.
 */
export type PageItemMapper = (
  item: MessengerItem,
  base: EventBase,
  sender: string | undefined,
) => InboundEvent | { reason: string } | undefined;

export function mapMessagingWebhook(body: unknown, channel: ChannelId = 'messenger', pageItem?: PageItemMapper): MappedWebhook {
  const result: MappedWebhook = { events: [], skipped: [], pageIds: [] };
  const entries = isObject(body) && Array.isArray(body.entry) ? (body.entry as unknown[]) : [];
  for (const rawEntry of entries) {
    if (!isObject(rawEntry)) {
      result.skipped.push({ reason: 'entry is not an object' });
      continue;
    }
    const entry = rawEntry as MessengerEntry;
    const pageId = idString(entry.id);
    if (!pageId) {
      result.skipped.push({ reason: 'entry without a page id' });
      continue;
    }
    result.pageIds.push(pageId);
    for (const [list, standby] of [
      [entry.messaging, false],
      [entry.standby, true],
    ] as const) {
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        result.skipped.push({ reason: `${standby ? 'standby' : 'messaging'} is not an array`, pageId });
        continue;
      }
      for (const item of list) {
        const mapped = mapItem(item, pageId, standby, channel, pageItem);
        if ('reason' in mapped) result.skipped.push({ reason: mapped.reason, pageId });
        else result.events.push(mapped);
      }
    }
    // changes[] (feed…) is another channel's part of the entry: the webhook hands it to whoever claims it.
  }
  return result;
}

function mapItem(
  raw: unknown,
  pageId: string,
  standby: boolean,
  channel: ChannelId,
  pageItem: PageItemMapper | undefined,
): InboundEvent | { reason: string } {
  if (!isObject(raw)) return { reason: 'messaging item is not an object' };
  const item = raw as MessengerItem;
  const timestamp = typeof item.timestamp === 'number' && Number.isFinite(item.timestamp) ? item.timestamp : undefined;
  const base = (kind: InboundEventKind, customerId: string | undefined, key: string, userOriginated: boolean): InboundEvent => ({
    channel,
    kind,
    pageId,
    customerId,
    timestamp: timestamp ?? 0,
    standby,
    userOriginated: userOriginated && !standby,
    dedupeKey: `${channel}:${pageId}:${standby ? 'sb:' : ''}${key}`,
    raw,
  });
  // Each event is `base(...)` with its kind's fields assigned onto it: `base` makes a fresh object, and
  // an object spread of it (`{ ...base(...), mid }`) cost several µs per event in V8, Object.assign ~0.1 µs.
  // Ids are checked, not trusted: anything but a plain id string or integer makes the item malformed.
  // A PSID (and a Page id) is numeric: anything else never came from Meta and must not reach the Send API.
  const senderRef = isObject(item.sender) ? optionalString(item.sender.user_ref) : undefined;
  const badSender = isObject(item.sender) ? nonNumericId(item.sender.id) : undefined;
  if (badSender !== undefined) return { reason: `sender id ${JSON.stringify(badSender)} is not numeric (never a real PSID)` };
  const badRecipient = isObject(item.recipient) ? nonNumericId(item.recipient.id) : undefined;
  if (badRecipient !== undefined)
    return { reason: `recipient id ${JSON.stringify(badRecipient)} is not numeric (never a real PSID or Page id)` };
  const sender = isObject(item.sender)
    ? (idString(item.sender.id) ?? (senderRef ? `${USER_REF_PREFIX}${senderRef}` : undefined))
    : undefined;
  const recipient = isObject(item.recipient) ? idString(item.recipient.id) : undefined;

  if (isObject(item.app_roles)) return base('handover', undefined, `app_roles:${timestamp ?? hash(raw)}`, false);

  // Everything else is addressed to the Page (an echo comes from it): an item of another Page does not
  // belong to this entry's conversations.
  const isEcho = isObject(item.message) && item.message.is_echo === true;
  const pageSide = isEcho ? (isObject(item.sender) ? idString(item.sender.id) : undefined) : recipient;
  if (pageSide !== undefined && pageSide !== pageId)
    return { reason: `${isEcho ? 'sender' : 'recipient'} ${pageSide} is not the entry's Page` };

  // A channel's own reading first (Messenger: Page policy events, delivery receipts).
  const own = pageItem?.(item, base, sender);
  if (own) return own;
  if (timestamp === undefined) return { reason: 'messaging item without a numeric timestamp' };

  if (isObject(item.message)) {
    const message = item.message;
    if (message.is_echo) {
      // Echo: sender is the Page, the customer is the recipient.
      if (!recipient || typeof message.mid !== 'string') return { reason: 'echo without recipient or mid' };
      const metadata = optionalString(message.metadata);
      return Object.assign(base('echo', recipient, `echo:${message.mid}`, false), {
        mid: message.mid,
        text: optionalString(message.text),
        attachments: attachmentsOf(message.attachments),
        payload: metadata,
      });
    }
    if (!sender || typeof message.mid !== 'string') return { reason: 'message without sender or mid' };
    const attachments = attachmentsOf(message.attachments);
    const text = optionalString(message.text);
    const payload = optionalString(message.quick_reply?.payload);
    return Object.assign(
      base('message', sender, `mid:${message.mid}`, true),
      { mid: message.mid, text, payload, attachments },
      isObject(message.referral) && message.referral.source === 'ADS' ? { fromAd: true } : undefined,
    );
  }
  if (!sender) return { reason: 'event without a sender' };
  if (isObject(item.postback)) {
    const p = item.postback;
    const key = typeof p.mid === 'string' ? `postback:${p.mid}` : `postback:${sender}:${timestamp}:${hash(p.payload ?? '')}`;
    return Object.assign(base('postback', sender, key, true), {
      mid: optionalString(p.mid),
      text: optionalString(p.title),
      payload: optionalString(p.payload),
    });
  }
  if (isObject(item.reaction)) {
    const r = item.reaction;
    return Object.assign(
      base('reaction', sender, `reaction:${sender}:${hash([r.mid, r.action, r.reaction])}:${timestamp}`, true),
      { mid: optionalString(r.mid), payload: optionalString(r.action) },
      r.action !== 'unreact' ? { reaction: optionalString(r.emoji) ?? optionalString(r.reaction) } : undefined,
    );
  }
  if (isObject(item.referral))
    return Object.assign(base('referral', sender, `referral:${sender}:${timestamp}:${hash(item.referral)}`, true), {
      payload: optionalString(item.referral.ref),
    });
  if (isObject(item.optin))
    return Object.assign(base('optin', sender, `optin:${sender}:${timestamp}:${hash(item.optin)}`, true), {
      payload: optionalString(item.optin.ref ?? item.optin.payload),
    });
  if (isObject(item.read)) {
    const watermark = Number(item.read.watermark);
    const readMid = optionalString(item.read.mid);
    return Object.assign(base('read', sender, `read:${sender}:${readMid ?? watermark}`, false), {
      watermark: Number.isFinite(watermark) ? watermark : undefined,
      mid: readMid,
      receiptMids: readMid ? [readMid] : [],
    });
  }
  if (isObject(item.message_edit)) {
    const e = item.message_edit;
    return Object.assign(base('message_edit', sender, `edit:${hash([e.mid, e.num_edit])}:${timestamp}`, false), {
      mid: optionalString(e.mid),
      text: optionalString(e.text),
    });
  }
  if (isObject(item.account_linking))
    return Object.assign(base('account_linking', sender, `account_linking:${sender}:${timestamp}`, false), {
      payload: optionalString(item.account_linking.status),
    });
  for (const key of HANDOVER_KEYS) {
    if (isObject(item[key])) return Object.assign(base('handover', sender, `${key}:${sender}:${timestamp}`, false), { payload: key });
  }
  return base('unknown', sender, `unknown:${hash(raw)}`, false);
}

export type EventBase = (kind: InboundEventKind, customerId: string | undefined, key: string, userOriginated: boolean) => InboundEvent;

function attachmentsOf(list: unknown): InboundAttachment[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.filter(isObject).map((a) => {
    const payload = isObject(a.payload) ? a.payload : {};
    const coordinates = isObject(payload.coordinates) ? (payload.coordinates as { lat: number; long: number }) : undefined;
    return {
      type: typeof a.type === 'string' ? a.type : 'unknown',
      url: optionalString(payload.url),
      title: optionalString(payload.title ?? a.title),
      stickerId: payload.sticker_id !== undefined ? String(payload.sticker_id) : undefined,
      coordinates,
      raw: a,
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string id that is not made of digits (a Meta id always is), or undefined. */
function nonNumericId(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && !/^\d+$/.test(value) ? value.slice(0, 64) : undefined;
}

function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= 64) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function hash(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value) ?? '')
    .digest('hex')
    .slice(0, 24);
}
