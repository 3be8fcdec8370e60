import { createHmac, randomBytes } from 'node:crypto';

/** `X-Hub-Signature-256` value for a raw webhook body, exactly as Meta computes it. */
export function signWebhookBody(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export interface MessagingItem {
  sender?: { id: string };
  recipient: { id: string };
  timestamp: number;
  [event: string]: unknown;
}

/** A Messenger webhook envelope with one entry per page. */
export function webhookEnvelope(
  entries: { pageId: string; messaging?: MessagingItem[]; standby?: MessagingItem[]; time?: number }[],
  object = 'page',
) {
  return {
    object,
    entry: entries.map((e) => ({
      id: e.pageId,
      time: e.time ?? Date.now(),
      ...(e.messaging ? { messaging: e.messaging } : {}),
      ...(e.standby ? { standby: e.standby } : {}),
    })),
  };
}

export function textMessageItem(
  pageId: string,
  psid: string,
  text: string,
  options: { mid?: string; timestamp?: number; fromAd?: boolean } = {},
): MessagingItem {
  return {
    sender: { id: psid },
    recipient: { id: pageId },
    timestamp: options.timestamp ?? Date.now(),
    message: {
      mid: options.mid ?? `m_${randomBytes(12).toString('hex')}`,
      text,
      // The first message after a click-to-Messenger ad carries the ad's referral (fact sheet §3.1).
      ...(options.fromAd ? { referral: { source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433', ref: 'spring-sale' } } : {}),
    },
  };
}

/**
 * Plays the customer's side of Messenger: builds webhook payloads the way Meta does and posts them,
 * signed with the app secret, to ccm's webhook. Used by tests, `npm run simulate` and local mode.
 */
export class MessengerSimulator {
  constructor(
    private readonly options: {
      webhookUrl: string;
      appSecret: string;
      pageId: string;
      graph?: { noteCustomerActivity(psid: string, timestamp: number, options?: { fromAd?: boolean }): void };
    },
  ) {}

  /** Posts a raw body (string, sent byte-for-byte) with a valid signature unless one is given. */
  async post(body: unknown, signature?: string | null): Promise<Response> {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const sig = signature === undefined ? signWebhookBody(raw, this.options.appSecret) : signature;
    if (sig !== null) headers['x-hub-signature-256'] = sig;
    return fetch(this.options.webhookUrl, { method: 'POST', headers, body: raw });
  }

  /** The customer `psid` types `text`; resolves with the webhook response and the message id used. */
  async sendText(
    psid: string,
    text: string,
    options: { mid?: string; timestamp?: number; fromAd?: boolean } = {},
  ): Promise<{ response: Response; mid: string }> {
    const item = textMessageItem(this.options.pageId, psid, text, options);
    this.options.graph?.noteCustomerActivity(psid, item.timestamp, { fromAd: options.fromAd });
    const response = await this.post(webhookEnvelope([{ pageId: this.options.pageId, messaging: [item] }]));
    return { response, mid: (item.message as { mid: string }).mid };
  }
}
