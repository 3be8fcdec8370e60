import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { DOUBLE_APP_ID, GraphApiDouble, META_PAGE_INBOX_APP_ID, nameFromId, numericPsid, RecordedRequest } from '@app/graph-double';
import { serveStatic } from './static-files';
import { WebhookDelivery } from './webhook-delivery';

export interface SimulatedPage {
  pageId: string;
  accessToken: string;
  name: string;
}

export interface SimulatorOptions {
  appSecret: string;
  /** The simulated Pages; the first one is the Page customers talk to on the page. */
  pages: SimulatedPage[];
  /** ccm's webhook, e.g. http://127.0.0.1:3000/ccm/webhook (settable later with `setWebhookUrl`). */
  webhookUrl?: string;
  port?: number;
  host?: string;
  /** The app id put in echoes (`message.app_id`). */
  appId?: string;
  /** Deliver `message_echoes` for the Page's sends (default true). */
  echoes?: boolean;
  batchWindowMs?: number;
  /** The origin browsers reach the simulator at, when it differs from the bound one (compose: http://localhost:3001). */
  publicUrl?: string;
  /**
   * The origin ccm reaches the simulator at, when it differs from the browsers' (compose: http://simulator:3001):
   * links ccm fetches itself (the files customers send) use it; the page shows them from its own origin.
   */
  internalUrl?: string;
  /** The Instagram professional account linked to the first Page (Instagram customers write to it). */
  instagramAccountId?: string;
  /** How long the CDN links of files customers send stay valid (Meta's expire; default 1 hour). */
  cdnLinkLifetimeMs?: number;
  log?: (line: string) => void;
}

export type SimChannel = 'messenger' | 'instagram';

export interface SimCustomer {
  /** PSID (Messenger) or IGSID (Instagram). */
  psid: string;
  name: string;
  locale: string;
  pictureUrl: string;
  channel: SimChannel;
  /** Instagram: @username. */
  username?: string;
}

/**
 * What Instagram Direct takes from a business, shown next to an Instagram customer (the double
 * enforces the same: `InstagramDouble`).
 */
export const INSTAGRAM_LIMITS_TEXT =
  'Instagram Direct: replies of at most 1000 bytes of text; button and generic templates with web_url/postback buttons only; no file attachments; no metadata; only the HUMAN_AGENT tag; templates and quick replies are not shown on instagram.com (apps only)';

/** Who owns a customer's thread in Conversation Routing, as the simulator shows it. */
export interface SimRouting {
  owner: 'ccm' | 'page_inbox' | 'idle' | string;
  /** Epoch ms when the owner's control lapses (24 h without activity). */
  expiresAt?: number;
}

/** One bubble of a conversation as the customer sees it. */
export interface ThreadItem {
  seq: number;
  mid: string;
  from: 'customer' | 'page';
  at: number;
  /** Customer: `{text?, attachments?, quick_reply?}`; Page: the Send API `message` object. */
  message?: Record<string, unknown>;
  postback?: { title: string; payload: string };
  /** Customer messages: sent → delivered (ccm answered 200) → read (ccm marked seen). Page messages: delivered → read. */
  status: 'sent' | 'delivered' | 'read';
  reaction?: { emoji: string; reaction: string };
  privateReplyTo?: string;
}

export interface SimComment {
  id: string;
  parentId: string;
  fromName: string;
  fromPsid?: string;
  fromPage: boolean;
  message: string;
  at: number;
}

export interface SimFaults {
  /** Send API calls failing with a transient error (code 2, HTTP 500), 0..1. */
  transientRate: number;
  /** Send API answers delayed by this many ms. */
  slowMs: number;
  /** Webhook batches delivered twice, 0..1. */
  duplicateRate: number;
  /** Webhook batches delivered after the next one, 0..1. */
  reorderRate: number;
  /** The Page token is expired: every call fails with 190 until switched back. */
  tokenExpired: boolean;
  /**
   * The Page's subscription lacks `messages` (Meta disabled or changed it): customer messages are not
   * delivered and ccm's subscription check sees the gap. Cleared when ccm subscribes again.
   */
  subscriptionLapsed: boolean;
}

type SimEvent =
  | { type: 'item'; psid: string; item: ThreadItem }
  | { type: 'typing'; psid: string; on: boolean }
  | { type: 'customers' }
  | { type: 'comments' }
  | { type: 'faults'; faults: SimFaults }
  | { type: 'profile' }
  | { type: 'routing'; psid: string; routing: SimRouting };

const REACTIONS: Record<string, string> = { '❤️': 'love', '😆': 'smile', '😮': 'wow', '😢': 'sad', '😠': 'angry', '👍': 'like' };

/**
 * The Messenger simulator: the Graph API double (which enforces the Send API rules and the 24-hour
 * window per Page and PSID from the events delivered here) plus a customer-side web page and its API on
 * the same port. Customer actions become webhooks delivered like Meta's: batched, signed with the app
 * secret, with echoes of the Page's sends and delivery/read events; faults can be switched on.
 */
export class MessengerSimulatorServer {
  readonly graph: GraphApiDouble;
  readonly delivery: WebhookDelivery;
  readonly customers = new Map<string, SimCustomer>();
  private readonly threads = new Map<string, ThreadItem[]>();
  private readonly comments: SimComment[] = [];
  private readonly listeners = new Set<(event: SimEvent) => void>();
  private readonly typing = new Map<string, boolean>();
  private seq = 0;
  private readonly faultState: Omit<SimFaults, 'subscriptionLapsed'> = {
    transientRate: 0,
    slowMs: 0,
    duplicateRate: 0,
    reorderRate: 0,
    tokenExpired: false,
  };
  readonly postId: string;
  readonly instagramAccountId: string;
  /** CDN names of the files customers sent (the "expire CDN links" control expires them). */
  private readonly cdnFiles: string[] = [];

  private constructor(private readonly options: SimulatorOptions) {
    this.graph = new GraphApiDouble({
      appSecret: options.appSecret,
      pages: options.pages.map((p) => ({ pageId: p.pageId, accessToken: p.accessToken, name: p.name })),
      port: options.port,
      host: options.host,
      profiles: {},
      // Every customer event goes through here: a Page may message only PSIDs that wrote to it, within the window.
      windowPerPageOnly: true,
      routes: (req, res, url, raw) => this.route(req, res, url, raw),
    });
    this.delivery = new WebhookDelivery({
      appSecret: options.appSecret,
      webhookUrl: options.webhookUrl,
      batchWindowMs: options.batchWindowMs,
      log: options.log,
    });
    this.graph.onRecorded((record) => this.observe(record));
    this.graph.comments.psidOf = (fromId) => fromId.replace(/^user-/, '');
    this.postId = `${this.page.pageId}_1001`;
    this.instagramAccountId = options.instagramAccountId ?? '17841400000000001';
    this.graph.instagram.link(this.instagramAccountId, this.page.pageId);
    // ccm's thread-control calls change who owns the thread: the customer's page shows it.
    this.graph.threadControl.onChange(({ psid }) => this.emit({ type: 'routing', psid, routing: this.routing(psid) }));
    // The Page's own avatar shows its name's initials.
    this.graph.setProfile(this.page.pageId, { first_name: this.page.name, last_name: '' });
  }

  static async start(options: SimulatorOptions): Promise<MessengerSimulatorServer> {
    const server = new MessengerSimulatorServer(options);
    await server.graph.listen();
    return server;
  }

  get page(): SimulatedPage {
    return this.options.pages[0];
  }

  /** The page and API origin, e.g. http://127.0.0.1:3001 (links to pictures and files use it). */
  get origin(): string {
    return (this.options.publicUrl ?? this.graph.origin.replace('://0.0.0.0:', '://127.0.0.1:')).replace(/\/+$/, '');
  }

  /** The origin ccm fetches customers' files from (`internalUrl`, else the public origin). */
  get internalOrigin(): string {
    return (this.options.internalUrl ?? this.origin).replace(/\/+$/, '');
  }

  /** Graph base URL with version, for ccm's FACEBOOK_GRAPH_API_URL. */
  get graphUrl(): string {
    return this.graph.url;
  }

  setWebhookUrl(url: string): void {
    this.delivery.webhookUrl = url;
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    this.delivery.stop();
    await this.graph.stop();
  }

  get faults(): SimFaults {
    return { ...this.faultState, subscriptionLapsed: !this.subscribedTo('messages') };
  }

  /** Whether the Page's subscription (as the double's `subscribed_apps` has it) includes the field. */
  private subscribedTo(field: string): boolean {
    return this.graph.subscribedApps.fieldsOf(this.page.pageId)?.includes(field) ?? false;
  }

  /** Switches faults; unspecified ones keep their state. */
  setFaults(change: Partial<SimFaults>): SimFaults {
    const f = this.faultState;
    if (change.transientRate !== undefined) f.transientRate = clamp01(change.transientRate);
    if (change.slowMs !== undefined) f.slowMs = Math.max(0, Math.min(30_000, Math.round(change.slowMs)));
    if (change.duplicateRate !== undefined) f.duplicateRate = clamp01(change.duplicateRate);
    if (change.reorderRate !== undefined) f.reorderRate = clamp01(change.reorderRate);
    if (change.tokenExpired !== undefined) f.tokenExpired = Boolean(change.tokenExpired);
    if (change.subscriptionLapsed === true)
      this.graph.subscribedApps.set(
        this.page.pageId,
        (this.graph.subscribedApps.fieldsOf(this.page.pageId) ?? []).filter((field) => field !== 'messages'),
      );
    if (change.subscriptionLapsed === false) this.graph.subscribedApps.reset(this.page.pageId);
    this.graph.setTransientFailureRate(f.transientRate);
    this.graph.setSendLatency(f.slowMs);
    this.delivery.faults.duplicateRate = f.duplicateRate;
    this.delivery.faults.reorderRate = f.reorderRate;
    if (f.tokenExpired) this.graph.revokeToken(this.page.accessToken);
    else if (this.graph.isRevoked(this.page.accessToken)) this.graph.addPage(this.page);
    this.emit({ type: 'faults', faults: this.faults });
    return this.faults;
  }

  /** The next `count` Send API calls fail with (#613) "Calls to this api have exceeded the rate limit". */
  rateLimitBurst(count: number): void {
    this.graph.injectFault({
      status: 400,
      code: 613,
      subcode: 2534040,
      message: '(#613) Calls to this api have exceeded the rate limit.',
      times: Math.max(1, Math.min(1000, Math.round(count))),
    });
  }

  // ---- customers and their actions ----

  createCustomer(input: { name?: string; locale?: string; psid?: string; channel?: SimChannel }): SimCustomer {
    const channel: SimChannel = input.channel === 'instagram' ? 'instagram' : 'messenger';
    const prefix = channel === 'instagram' ? 'ig' : 'sim';
    // A PSID (or IGSID) is numeric (ccm skips other sender ids): a name given as the id (`--psid bob`)
    // becomes its stable numeric PSID.
    const given = input.psid && /^[\w.-]{1,64}$/.test(input.psid) ? input.psid : undefined;
    const psid = numericPsid(given ?? `${prefix}-${randomBytes(5).toString('hex')}`);
    const derived = nameFromId(given ?? psid);
    const name = (input.name ?? '').trim().slice(0, 60) || `${derived.first_name} ${derived.last_name}`.trim();
    const locale = input.locale && /^[a-z]{2}_[A-Z]{2}$/.test(input.locale) ? input.locale : 'en_US';
    const pictureUrl = `${this.origin}/_double/avatar/${encodeURIComponent(psid)}.svg`;
    const customer: SimCustomer = { psid, name, locale, pictureUrl, channel };
    if (channel === 'instagram') {
      customer.username =
        name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '.')
          .replace(/^\.|\.$/g, '') || psid;
      // Instagram's profile API: name, username, picture and follower count (IGSID-scoped, via the linked Page).
      this.graph.instagram.addUser({
        igsid: psid,
        accountId: this.instagramAccountId,
        name,
        username: customer.username,
        profilePic: pictureUrl,
        followerCount: 100 + (parseInt(randomBytes(2).toString('hex'), 16) % 5000),
      });
    }
    this.customers.set(psid, customer);
    const [first, ...rest] = name.split(/\s+/);
    this.graph.setProfile(psid, { first_name: first, last_name: rest.join(' '), profile_pic: pictureUrl, locale });
    this.emit({ type: 'customers' });
    return customer;
  }

  /** Where a customer's events go: the Page (Messenger) or the linked Instagram account. */
  private addressOf(psid: string): { object: 'page' | 'instagram'; entryId: string } {
    return this.customers.get(psid)?.channel === 'instagram'
      ? { object: 'instagram', entryId: this.instagramAccountId }
      : { object: 'page', entryId: this.page.pageId };
  }

  /** Conversation Routing as it stands for the customer's thread. */
  routing(psid: string): SimRouting {
    const owner = this.graph.threadControl.ownerOf(psid);
    const expiresAt = owner ? this.graph.threadControl.expiryOf(psid) : undefined;
    const name = owner === undefined ? 'idle' : owner === DOUBLE_APP_ID ? 'ccm' : owner === META_PAGE_INBOX_APP_ID ? 'page_inbox' : owner;
    return { owner: name, ...(expiresAt !== undefined ? { expiresAt } : {}) };
  }

  /**
   * What a person in the Page inbox (Meta Business Suite) does with the thread: `take` it (Meta tells
   * ccm with `take_thread_control`), `request` it from ccm (`request_thread_control`: ccm decides), or
   * `pass` it back to ccm (`pass_thread_control`). While the inbox owns the thread, the customer's
   * messages reach ccm as `standby` and ccm's own sends are refused with 2018300.
   */
  pageInbox(psid: string, action: 'take' | 'request' | 'pass'): SimRouting {
    this.customer(psid);
    const at = Date.now();
    const base = { sender: { id: psid }, recipient: { id: this.page.pageId }, timestamp: at };
    if (action === 'take') {
      const previous = this.graph.threadControl.ownerOf(psid) ?? null;
      this.graph.threadControl.setOwner(psid, META_PAGE_INBOX_APP_ID);
      void this.delivery.enqueue({
        pageId: this.page.pageId,
        messaging: {
          ...base,
          take_thread_control: {
            previous_owner_app_id: previous,
            new_owner_app_id: META_PAGE_INBOX_APP_ID,
            metadata: 'Replying from the Page inbox',
          },
        },
      });
    } else if (action === 'request') {
      void this.delivery.enqueue({
        pageId: this.page.pageId,
        messaging: {
          ...base,
          request_thread_control: { requested_owner_app_id: META_PAGE_INBOX_APP_ID, metadata: 'Opened in the Page inbox' },
        },
      });
    } else {
      this.graph.threadControl.setOwner(psid, DOUBLE_APP_ID);
      void this.delivery.enqueue({
        pageId: this.page.pageId,
        messaging: {
          ...base,
          pass_thread_control: {
            previous_owner_app_id: META_PAGE_INBOX_APP_ID,
            new_owner_app_id: DOUBLE_APP_ID,
            metadata: 'Back to the bot',
          },
        },
      });
    }
    const routing = this.routing(psid);
    this.emit({ type: 'routing', psid, routing });
    return routing;
  }

  /** The Messenger Profile ccm set for the Page (Get Started, greeting, ice breakers, persistent menu). */
  get messengerProfile(): Record<string, unknown> {
    return this.graph.messengerProfile.profiles.get(this.page.pageId) ?? {};
  }

  /** Meta's links to the files customers sent stop working (as they do after a while): ccm must serve its own copies. */
  expireCdnLinks(): number {
    for (const name of this.cdnFiles) this.graph.cdn.expire(name);
    return this.cdnFiles.length;
  }

  private customer(psid: string): SimCustomer {
    return this.customers.get(psid) ?? this.createCustomer({ psid });
  }

  thread(psid: string): ThreadItem[] {
    return this.threads.get(psid) ?? [];
  }

  /** The customer sends a message (text, a tapped quick reply, or attachments). */
  sendMessage(
    psid: string,
    message: {
      text?: string;
      quickReplyPayload?: string;
      attachments?: { type: string; url: string }[];
      /** The customer came from a click-to-Messenger/Direct ad: the message carries the ad's referral (7-day window). */
      fromAd?: boolean;
      /** Sent this many hours ago (0–240): to try Meta's windows without waiting. */
      ageHours?: number;
    },
  ): ThreadItem {
    this.customer(psid);
    const mid = `m_${randomBytes(16).toString('base64url')}`;
    const at = Date.now() - Math.round(Math.max(0, Math.min(240, message.ageHours ?? 0)) * 3600_000);
    const body: Record<string, unknown> = { mid };
    if (message.text !== undefined) body.text = message.text;
    if (message.quickReplyPayload !== undefined) body.quick_reply = { payload: message.quickReplyPayload };
    if (message.attachments?.length) body.attachments = message.attachments.map((a) => ({ type: a.type, payload: { url: a.url } }));
    if (message.fromAd) body.referral = { source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433', ref: 'simulator-ad' };
    const item = this.push(psid, { mid, from: 'customer', at, message: body, status: 'sent' });
    this.userEvent(
      psid,
      { sender: { id: psid }, recipient: { id: this.addressOf(psid).entryId }, timestamp: at, message: body },
      message.fromAd,
    );
    return item;
  }

  /** The customer taps a postback button (button template or a carousel card). */
  sendPostback(psid: string, title: string, payload: string): ThreadItem {
    this.customer(psid);
    const mid = `m_${randomBytes(16).toString('base64url')}`;
    const at = Date.now();
    const item = this.push(psid, { mid, from: 'customer', at, postback: { title, payload }, status: 'sent' });
    this.userEvent(psid, {
      sender: { id: psid },
      recipient: { id: this.addressOf(psid).entryId },
      timestamp: at,
      postback: { mid, title, payload },
    });
    return item;
  }

  /** The customer reacts to one of the Page's messages (or removes the reaction with emoji ''). */
  react(psid: string, mid: string, emoji: string): void {
    const item = this.thread(psid).find((i) => i.mid === mid);
    if (!item) throw new SimulatorInputError(`no message ${mid} in this conversation`);
    const action = emoji ? 'react' : 'unreact';
    const previous = item.reaction;
    item.reaction = emoji ? { emoji, reaction: REACTIONS[emoji] ?? 'other' } : undefined;
    this.emit({ type: 'item', psid, item });
    const reaction = emoji ? item.reaction! : (previous ?? { emoji: '', reaction: 'other' });
    this.userEvent(psid, {
      sender: { id: psid },
      recipient: { id: this.addressOf(psid).entryId },
      timestamp: Date.now(),
      reaction: { mid, action, reaction: reaction.reaction, ...(reaction.emoji ? { emoji: reaction.emoji } : {}) },
    });
  }

  /** The customer has seen the conversation: a `read` event for everything the Page sent so far. */
  markRead(psid: string): void {
    const unread = this.thread(psid).filter((i) => i.from === 'page' && i.status !== 'read');
    if (unread.length === 0) return;
    // Messenger's watermark: everything sent up to now has been read (the read time, not the last message's).
    const watermark = Date.now();
    for (const item of unread) {
      item.status = 'read';
      this.emit({ type: 'item', psid, item });
    }
    const { object, entryId } = this.addressOf(psid);
    void this.delivery.enqueue({
      pageId: entryId,
      object,
      // Instagram's "seen" names the message (field messaging_seen); Messenger's read has a watermark.
      messaging: {
        sender: { id: psid },
        recipient: { id: entryId },
        timestamp: Date.now(),
        read: object === 'instagram' ? { mid: unread.at(-1)!.mid } : { watermark },
      },
    });
  }

  /** The customer comments on the Page's post (a `feed` change); the comment opens the messaging window too. */
  comment(psid: string, message: string, parentId?: string): SimComment {
    const customer = this.customer(psid);
    const id = `1001_${Date.now()}${randomBytes(2).readUInt16BE(0)}`;
    const at = Date.now();
    const parent = parentId && this.comments.some((c) => c.id === parentId) ? parentId : this.postId;
    this.graph.comments.add({
      id,
      pageId: this.page.pageId,
      postId: this.postId,
      parentId: parent,
      fromId: `user-${psid}`,
      message,
      createdTime: at,
    });
    const comment: SimComment = { id, parentId: parent, fromName: customer.name, fromPsid: psid, fromPage: false, message, at };
    this.comments.push(comment);
    this.graph.noteCustomerActivity(psid, at, { pageId: this.page.pageId });
    void this.delivery.enqueue({
      pageId: this.page.pageId,
      change: {
        field: 'feed',
        value: {
          from: { id: `user-${psid}`, name: customer.name },
          item: 'comment',
          verb: 'add',
          comment_id: id,
          post_id: this.postId,
          parent_id: parent,
          created_time: Math.floor(at / 1000),
          message,
        },
      },
    });
    this.emit({ type: 'comments' });
    return comment;
  }

  allComments(): SimComment[] {
    return [...this.comments];
  }

  // ---- the Page's side, observed on the Graph double ----

  private observe(record: RecordedRequest): void {
    if (record.status !== 200 || record.method !== 'POST') return;
    const body = record.body as Record<string, unknown>;
    if (/^\/(me|\d+)\/messenger_profile$/.test(record.path)) return this.emit({ type: 'profile' });
    if (/^\/\d+\/subscribed_apps$/.test(record.path)) return this.emit({ type: 'faults', faults: this.faults });
    if (/^\/(me|\d+)\/messages$/.test(record.path)) {
      const recipient = (body.recipient ?? {}) as { id?: string; comment_id?: string };
      const response = record.response as { recipient_id?: string; message_id?: string };
      const psid = recipient.id ?? response.recipient_id;
      if (!psid) return;
      if (body.sender_action) return this.senderAction(psid, String(body.sender_action));
      const message = body.message as Record<string, unknown> | undefined;
      if (!message || !response.message_id) return;
      this.typing.set(psid, false);
      this.emit({ type: 'typing', psid, on: false });
      const at = Date.now();
      this.push(psid, {
        mid: response.message_id,
        from: 'page',
        at,
        message: this.withAttachmentUrl(message),
        status: 'delivered',
        privateReplyTo: recipient.comment_id,
      });
      const { object, entryId } = this.addressOf(psid);
      if (this.options.echoes !== false) {
        void this.delivery.enqueue({
          pageId: entryId,
          object,
          messaging: {
            sender: { id: entryId },
            recipient: { id: psid },
            timestamp: at,
            message: { ...message, is_echo: true, app_id: Number(this.options.appId ?? '1000000000000001'), mid: response.message_id },
          },
        });
      }
      if (object === 'instagram') return; // Instagram sends no delivery receipts
      // The customer's phone got it: a delivery receipt, like Messenger's.
      void this.delivery.enqueue({
        pageId: this.page.pageId,
        messaging: {
          sender: { id: psid },
          recipient: { id: this.page.pageId },
          timestamp: at + 1,
          delivery: { mids: [response.message_id], watermark: at },
        },
      });
      return;
    }
    const publicReply = /^\/([0-9A-Za-z]+_[0-9A-Za-z_]+)\/comments$/.exec(record.path);
    if (publicReply) {
      const id = (record.response as { id?: string }).id;
      const parent = this.graph.comments.comments.get(id ?? '');
      if (!id || !parent) return;
      this.comments.push({
        id,
        parentId: parent.parentId ?? this.postId,
        fromName: this.page.name,
        fromPage: true,
        message: parent.message,
        at: Date.now(),
      });
      this.emit({ type: 'comments' });
    }
  }

  /** A file sent by a reusable attachment id shows as the file it names (Messenger shows the file, not the id). */
  private withAttachmentUrl(message: Record<string, unknown>): Record<string, unknown> {
    const attachment = message.attachment as { type?: string; payload?: { attachment_id?: string; url?: string } } | undefined;
    const id = attachment?.payload?.attachment_id;
    const uploaded = id ? this.graph.attachment(id) : undefined;
    if (!attachment || !uploaded) return message;
    return { ...message, attachment: { ...attachment, payload: { ...attachment.payload, url: uploaded.url } } };
  }

  private senderAction(psid: string, action: string): void {
    if (action === 'typing_on' || action === 'typing_off') {
      this.typing.set(psid, action === 'typing_on');
      this.emit({ type: 'typing', psid, on: action === 'typing_on' });
    }
    if (action === 'mark_seen') {
      for (const item of this.thread(psid)) {
        if (item.from === 'customer' && item.status !== 'read') {
          item.status = 'read';
          this.emit({ type: 'item', psid, item });
        }
      }
    }
  }

  private userEvent(psid: string, messaging: Record<string, unknown>, fromAd = false): void {
    this.graph.noteCustomerActivity(psid, Number(messaging.timestamp), { pageId: this.page.pageId, fromAd });
    this.graph.threadControl.noteActivity(psid);
    const { object, entryId } = this.addressOf(psid);
    // While another app (the Page inbox) owns the thread, ccm gets the customer's events as standby.
    const owner = this.graph.threadControl.ownerOf(psid);
    const standby = owner !== undefined && owner !== DOUBLE_APP_ID;
    // Meta delivers nothing for a field the Page's subscription lacks.
    if (object === 'page' && !this.subscribedTo('messages')) {
      this.options.log?.(`not delivered: the Page's subscription lacks "messages"`);
      return;
    }
    // Batched with whatever else happens within the batch window; once ccm acknowledged the POST that
    // carried it, the customer's message shows as delivered.
    void this.delivery.enqueue({ pageId: entryId, object, messaging, ...(standby ? { standby: true } : {}) }).then((status) => {
      const mid = ((messaging.message ?? messaging.postback) as { mid?: string } | undefined)?.mid;
      const item = this.thread(psid).find((i) => i.mid === mid);
      if (item && item.status === 'sent' && typeof status === 'number' && status >= 200 && status < 300) {
        item.status = 'delivered';
        this.emit({ type: 'item', psid, item });
      }
    });
  }

  private push(psid: string, item: Omit<ThreadItem, 'seq'>): ThreadItem {
    const full = { seq: ++this.seq, ...item };
    const thread = this.threads.get(psid) ?? [];
    thread.push(full);
    this.threads.set(psid, thread);
    this.emit({ type: 'item', psid, item: full });
    return full;
  }

  private emit(event: SimEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  // ---- HTTP: the page, its API, the event stream ----

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<boolean> {
    const path = url.pathname;
    if (!path.startsWith('/sim/api/')) return serveStatic(req, res, path);
    try {
      const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      const psidMatch = /^\/sim\/api\/customers\/([\w.-]+)\/(\w+)$/.exec(path);
      if (req.method === 'GET' && path === '/sim/api/state') {
        return json(res, 200, {
          // Links with these origins are the simulator's own: the page loads them from where it is served.
          origins: [...new Set([this.origin, this.internalOrigin])],
          page: { id: this.page.pageId, name: this.page.name, pictureUrl: `${this.origin}/_double/avatar/${this.page.pageId}.svg` },
          instagram: { accountId: this.instagramAccountId, limits: INSTAGRAM_LIMITS_TEXT },
          messengerProfile: this.messengerProfile,
          customers: [...this.customers.values()],
          faults: this.faults,
          post: { id: this.postId, message: `Welcome to ${this.page.name}! Ask us anything in the comments.` },
          comments: this.comments,
        });
      }
      if (req.method === 'GET' && path === '/sim/api/events') return this.stream(res);
      if (req.method === 'POST' && path === '/sim/api/customers') {
        return json(
          res,
          201,
          this.createCustomer({
            name: str(body.name),
            locale: str(body.locale),
            psid: str(body.psid),
            channel: body.channel === 'instagram' ? 'instagram' : 'messenger',
          }),
        );
      }
      if (psidMatch) {
        const [, psid, action] = psidMatch;
        if (req.method === 'GET' && action === 'thread')
          return json(res, 200, { items: this.thread(psid), typing: this.typing.get(psid) ?? false, routing: this.routing(psid) });
        if (req.method !== 'POST') return json(res, 405, { error: 'use POST' });
        if (action === 'messages') {
          const attachments = Array.isArray(body.attachments) ? (body.attachments as { type: string; url: string }[]) : undefined;
          const text = str(body.text);
          if (!text && !attachments?.length) return json(res, 400, { error: 'text or attachments required' });
          if (text && [...text].length > 2000) return json(res, 400, { error: 'text: at most 2000 characters' });
          const ageHours = body.ageHours === undefined ? 0 : Number(body.ageHours);
          if (!Number.isFinite(ageHours) || ageHours < 0 || ageHours > 240)
            return json(res, 400, { error: 'ageHours: a number from 0 to 240' });
          return json(
            res,
            201,
            this.sendMessage(psid, {
              text,
              quickReplyPayload: str(body.quickReplyPayload),
              attachments,
              fromAd: body.fromAd === true,
              ageHours,
            }),
          );
        }
        if (action === 'postbacks') return json(res, 201, this.sendPostback(psid, str(body.title) ?? '', str(body.payload) ?? ''));
        if (action === 'reactions') {
          this.react(psid, str(body.mid) ?? '', str(body.emoji) ?? '');
          return json(res, 200, { ok: true });
        }
        if (action === 'read') {
          this.markRead(psid);
          return json(res, 200, { ok: true });
        }
        if (action === 'comments') {
          const message = str(body.message)?.trim();
          if (!message) return json(res, 400, { error: 'message required' });
          return json(res, 201, this.comment(psid, message, str(body.parentId)));
        }
        if (action === 'uploads') return json(res, 201, this.upload(body));
        if (action === 'inbox') {
          const what = str(body.action);
          if (what !== 'take' && what !== 'request' && what !== 'pass') return json(res, 400, { error: 'action: take, request or pass' });
          if (this.customers.get(psid)?.channel === 'instagram')
            return json(res, 400, { error: 'the Page inbox controls are for Messenger customers' });
          return json(res, 200, this.pageInbox(psid, what));
        }
      }
      if (path === '/sim/api/faults' && req.method === 'GET') return json(res, 200, this.faults);
      if (path === '/sim/api/faults' && req.method === 'PUT') {
        const change: Partial<SimFaults> = {};
        for (const key of ['transientRate', 'slowMs', 'duplicateRate', 'reorderRate'] as const) {
          if (body[key] !== undefined) {
            const n = Number(body[key]);
            if (!Number.isFinite(n)) return json(res, 400, { error: `${key}: must be a number` });
            change[key] = n;
          }
        }
        if (body.tokenExpired !== undefined) change.tokenExpired = body.tokenExpired === true;
        if (body.subscriptionLapsed !== undefined) change.subscriptionLapsed = body.subscriptionLapsed === true;
        return json(res, 200, this.setFaults(change));
      }
      if (path === '/sim/api/faults/rate-limit' && req.method === 'POST') {
        this.rateLimitBurst(Number(body.count ?? 5) || 5);
        return json(res, 200, { ok: true });
      }
      if (path === '/sim/api/deliveries' && req.method === 'GET') return json(res, 200, { attempts: this.delivery.attempts.slice(-100) });
      if (path === '/sim/api/cdn/expire' && req.method === 'POST') return json(res, 200, { expired: this.expireCdnLinks() });
      return json(res, 404, { error: 'unknown simulator endpoint' });
    } catch (error) {
      if (error instanceof SimulatorInputError || error instanceof SyntaxError) return json(res, 400, { error: error.message });
      throw error;
    }
  }

  /**
   * A file the customer picked: put on the double's CDN (in memory, so it works offline) behind a link
   * that expires like Meta's (`?oe=`, after `cdnLinkLifetimeMs`) — ccm has to keep its own copy.
   */
  private upload(body: Record<string, unknown>): { url: string; type: string } {
    const dataUrl = str(body.dataUrl) ?? '';
    const match = /^data:([\w.+-]+\/[\w.+-]+)?;base64,(.+)$/.exec(dataUrl);
    if (!match) throw new SimulatorInputError('dataUrl: must be a base64 data: URL');
    const data = Buffer.from(match[2], 'base64');
    if (data.length > 8 * 1024 * 1024) throw new SimulatorInputError('file: at most 8 MB');
    const type = match[1] ?? 'application/octet-stream';
    const name = `${randomBytes(8).toString('hex')}_${(str(body.name) ?? 'file').replace(/[^\w.-]/g, '_').slice(0, 80)}`;
    const url = this.graph.cdn.put(name, data, type, { lifetimeMs: this.options.cdnLinkLifetimeMs ?? 3600_000 });
    this.cdnFiles.push(name);
    const kind = type.startsWith('image/') ? 'image' : type.startsWith('video/') ? 'video' : type.startsWith('audio/') ? 'audio' : 'file';
    // The link as ccm reaches it (behind compose: the simulator's service name); the page shows it from its own origin.
    return { url: url.replace(this.graph.origin, this.internalOrigin), type: kind };
  }

  private stream(res: ServerResponse): boolean {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    const listener = (event: SimEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    this.listeners.add(listener);
    const keepAlive = setInterval(() => res.write(': ping\n\n'), 15_000);
    keepAlive.unref();
    // The response's close (the browser went away or the server stopped), not the request's: a GET's
    // request stream is already finished by now.
    res.on('close', () => {
      clearInterval(keepAlive);
      this.listeners.delete(listener);
    });
    return true;
  }
}

export class SimulatorInputError extends Error {}

function json(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
  return true;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.min(1, n)) : 0;
}
