import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { EchoDelivery, GraphApiDoubleOptions, GraphErrorBody, InjectedFault, RecordedRequest } from './graph-double.types';
import { CommentDouble, DoubleAnswer } from './comment-double';
import { InstagramDouble } from './instagram-double';
import { MessengerProfileDouble } from './messenger-profile-double';
import { SubscribedAppsDouble } from './subscribed-apps-double';
import { CdnDouble } from './cdn-double';
import { ThreadControlDouble } from './thread-control-double';
import { validateSendApiRequest } from './send-api-validator';
import { FormPart, parseMultipart } from './multipart';
import { avatarSvg, nameFromId } from './avatar';

/** Meta's largest asset (25 MB) plus room for a multipart envelope: a bigger file is answered 2018109, not cut off. */
const MAX_BODY = 27 * 1024 * 1024;
/** Any asset uploaded to Meta (fact sheet §4.3; the 8 MB image limit applies to images fetched by URL). */
const MAX_ASSET_BYTES = 25 * 1024 * 1024;
/** The content type an uploaded file of each attachment type must have (anything for `file`). */
const TYPE_PREFIX: Record<string, string | undefined> = { image: 'image/', video: 'video/', audio: 'audio/', file: undefined };

/**
 * A real HTTP server that answers like Meta's Graph API for the calls ccm makes: the Send API
 * (`/me/messages`, `/{page-id}/messages`), the User Profile API and `GET /me`. It checks tokens and
 * `appsecret_proof`, rejects payloads Meta would reject (with Meta's error shapes), records every
 * request and can be told to fail. Tests and local mode use it; it never calls Meta.
 */
export class GraphApiDouble {
  readonly requests: RecordedRequest[] = [];
  /** Page comments: register them (`comments.add`) so public replies, likes, hides and private replies find them. */
  readonly comments = new CommentDouble();
  readonly instagram = new InstagramDouble();
  readonly messengerProfile = new MessengerProfileDouble();
  readonly subscribedApps = new SubscribedAppsDouble();
  readonly cdn = new CdnDouble();
  readonly threadControl = new ThreadControlDouble();
  private server?: Server;
  private seq = 0;
  private messageSeq = 0;
  private echoSeq = 0;
  private faults: InjectedFault[] = [];
  private readonly revokedTokens = new Set<string>();
  private readonly pages: Map<string, { pageId: string; name: string }>;
  private waiters: (() => void)[] = [];
  /** Last user-originated event per Page and PSID (key `page/psid`; page `*`: any Page), as the simulator reports it: Meta's 24-hour window. */
  private readonly customerActivity = new Map<string, number>();
  /** Same keys: when the customer's message came right after an ad click: Meta's ads window (7 days from it). */
  private readonly adMessages = new Map<string, number>();
  private sendTimes: number[] = [];
  /** Reusable attachment ids issued by the upload API: the Page each belongs to, and what was uploaded. */
  private readonly attachments = new Map<string, { pageId: string; type: string; url: string }>();
  private baseUrl = '';
  private readonly observers: ((record: RecordedRequest) => void)[] = [];

  constructor(private readonly options: GraphApiDoubleOptions) {
    this.pages = new Map(options.pages.map((p) => [p.accessToken, { pageId: p.pageId, name: p.name ?? `Page ${p.pageId}` }]));
  }

  static async start(options: GraphApiDoubleOptions): Promise<GraphApiDouble> {
    const double = new GraphApiDouble(options);
    await double.listen();
    return double;
  }

  get version(): string {
    return this.options.version ?? 'v24.0';
  }

  /** Base URL including the version, as ccm's FACEBOOK_GRAPH_API_URL expects. */
  get url(): string {
    return `${this.baseUrl}/${this.version}`;
  }

  get origin(): string {
    return this.baseUrl;
  }

  async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://${this.options.host ?? '127.0.0.1'}:${address.port}`;
    this.cdn.setOrigin(this.baseUrl);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** Called with every request once it is answered (the simulator shows the Page's sends from here). */
  onRecorded(listener: (record: RecordedRequest) => void): void {
    this.observers.push(listener);
  }

  /** Every Send API answer takes this long from now on (0: immediate). */
  setSendLatency(ms: number): void {
    this.options.sendLatencyMs = ms;
  }

  /** Echo every accepted message to this webhook from now on (undefined: stop). */
  deliverEchoes(echoes: GraphApiDoubleOptions['echoes']): void {
    this.options.echoes = echoes;
  }

  /** Requests received and not answered yet (e.g. sends held by `sendLatencyMs`). */
  get inFlight(): number {
    return this.unanswered;
  }

  private unanswered = 0;

  /** Echo webhooks delivered (answered 200), in order. */
  readonly deliveredEchoes: { psid: string; mid: string; metadata?: string }[] = [];

  /** What the User Profile API answers for this PSID from now on. */
  setProfile(psid: string, profile: { first_name?: string; last_name?: string; profile_pic?: string; locale?: string }): void {
    this.options.profiles = { ...this.options.profiles, [psid]: profile };
  }

  /** Whether a token is currently refused with error 190. */
  isRevoked(token: string): boolean {
    return this.revokedTokens.has(token);
  }

  /** Script failures for the next matching calls. */
  injectFault(fault: InjectedFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Makes a token invalid (→ error 190) until `addPage` registers a replacement. */
  revokeToken(token: string): void {
    this.revokedTokens.add(token);
  }

  addPage(page: { pageId: string; accessToken: string; name?: string }): void {
    this.pages.set(page.accessToken, { pageId: page.pageId, name: page.name ?? `Page ${page.pageId}` });
    this.revokedTokens.delete(page.accessToken);
  }

  /** What an attachment id the upload API issued stands for (the simulator shows the file it names). */
  attachment(attachmentId: string): { type: string; url: string } | undefined {
    const found = this.attachments.get(attachmentId);
    return found && { type: found.type, url: found.url };
  }

  /** Meta forgets an uploaded attachment (after 90 days): sends using its id fail with 100/2018074. */
  expireAttachment(attachmentId: string): void {
    this.attachments.delete(attachmentId);
  }

  /**
   * The customer wrote (or tapped, or reacted) at `timestamp`: opens Meta's messaging window for that
   * (Page, PSID). Without `pageId` the activity counts for every Page (older callers). `fromAd`: the
   * first message after a click-to-Messenger ad (a window of up to 7 days).
   */
  noteCustomerActivity(psid: string, timestamp: number, options: { fromAd?: boolean; pageId?: string } = {}): void {
    const key = `${options.pageId ?? '*'}/${psid}`;
    this.customerActivity.set(key, Math.max(timestamp, this.customerActivity.get(key) ?? 0));
    if (options.fromAd) this.adMessages.set(key, Math.max(timestamp, this.adMessages.get(key) ?? 0));
  }

  /** Epoch ms of the customer's last window-opening event towards the Page (undefined: never seen). */
  lastCustomerActivity(pageId: string, psid: string): number | undefined {
    return latestFor(this.customerActivity, pageId, psid);
  }

  setTransientFailureRate(rate: number): void {
    this.options.transientFailureRate = rate;
  }

  /** Successful Send API message calls (not sender actions), in the order they were answered. */
  sentMessages(recipientId?: string): RecordedRequest[] {
    return this.requests.filter((r) => {
      if (r.method !== 'POST' || !/\/messages$/.test(r.path) || r.status !== 200) return false;
      const body = r.body as { message?: unknown; recipient?: { id?: string } };
      return body.message !== undefined && (recipientId === undefined || body.recipient?.id === recipientId);
    });
  }

  /** Texts successfully sent to a PSID, in order. */
  sentTexts(recipientId: string): string[] {
    return this.sentMessages(recipientId).map((r) => (r.body as { message: { text?: string } }).message.text ?? '[rich]');
  }

  reset(): void {
    this.requests.length = 0;
    this.faults = [];
  }

  /** Resolves when the predicate holds over the recorded requests; rejects after `timeoutMs`. */
  async waitFor(predicate: (requests: RecordedRequest[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.requests)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`GraphApiDouble.waitFor timed out after ${timeoutMs} ms (${this.requests.length} requests recorded)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const raw = await readBody(req).catch(() => undefined);
    if (raw === undefined) return this.reply(res, 413, graphError(100, 'Request body too large'));

    if (url.pathname.startsWith('/_double/')) return this.control(req, res, url, raw);
    if (url.pathname.startsWith('/cdn/')) return this.cdn.serve(url.pathname, res);
    if (this.options.routes && !/^\/v\d+\.\d+\//.test(url.pathname) && (await this.options.routes(req, res, url, raw))) return;

    const match = /^\/(v\d+\.\d+)(\/.*)$/.exec(url.pathname);
    const query = Object.fromEntries(url.searchParams.entries());
    let body: unknown = {};
    // A multipart upload (Attachment Upload API): its fields are recorded, the file's bytes kept aside.
    const form = /^multipart\//i.test(req.headers['content-type'] ?? '') ? parseMultipart(req.headers['content-type'], raw) : undefined;
    if (form) body = formFields(form);
    else if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
    }
    const record: RecordedRequest = {
      seq: ++this.seq,
      at: Date.now(),
      method: req.method ?? 'GET',
      path: match?.[2] ?? url.pathname,
      version: match?.[1] ?? '',
      query,
      body,
      status: 0,
      response: undefined,
    };
    const [status, response, delayMs] = this.answer(req, record, match !== null, form);
    record.status = status;
    record.response = response;
    const latency = (delayMs ?? 0) + (/\/messages$/.test(record.path) ? (this.options.sendLatencyMs ?? 0) : 0);
    this.unanswered += 1;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    this.unanswered -= 1;
    this.requests.push(record);
    this.reply(res, status, response);
    // Accepted is accepted: the echo goes out even when the caller is gone (e.g. killed mid-request).
    if (status === 200 && this.options.echoes) this.echo(record, this.options.echoes);
    for (const observe of this.observers) observe(record);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  private echo(record: RecordedRequest, echoes: EchoDelivery): void {
    if (record.method !== 'POST' || !/\/messages$/.test(record.path)) return;
    const body = record.body as { recipient?: { id?: string }; message?: Record<string, unknown> };
    const mid = (record.response as { message_id?: string }).message_id;
    const psid = body.recipient?.id;
    const pageId = record.accessToken ? this.pages.get(record.accessToken)?.pageId : undefined;
    if (!body.message || !mid || !psid || !pageId) return; // sender actions and comment replies have no echo here
    const metadata = typeof body.message.metadata === 'string' ? body.message.metadata : undefined;
    const { metadata: _sent, quick_replies: _qr, ...content } = body.message;
    const raw = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: pageId,
          time: Date.now(),
          messaging: [
            {
              sender: { id: pageId },
              recipient: { id: psid },
              timestamp: Date.now(),
              message: { is_echo: true, app_id: echoes.appId ?? 'ccm-test-app', mid, ...(metadata ? { metadata } : {}), ...content },
            },
          ],
        },
      ],
    });
    const deadline = Date.now() + (echoes.retryForMs ?? 60_000);
    const urls = typeof echoes.webhookUrl === 'string' ? [echoes.webhookUrl] : echoes.webhookUrl;
    let turn = this.echoSeq++;
    const attempt = async (): Promise<void> => {
      const url = urls[turn++ % urls.length];
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.options.appSecret)
        headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', this.options.appSecret).update(raw).digest('hex')}`;
      const ok = await fetch(url, { method: 'POST', headers, body: raw, signal: AbortSignal.timeout(5000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) this.deliveredEchoes.push({ psid, mid, metadata });
      else if (Date.now() < deadline && this.server) setTimeout(() => void attempt(), 250).unref();
    };
    setTimeout(() => void attempt(), echoes.delayMs ?? 0).unref();
  }

  private answer(req: IncomingMessage, record: RecordedRequest, versioned: boolean, form?: FormPart[]): [number, unknown, number?] {
    if (!versioned) return [400, graphError(2500, 'Unknown path components: missing API version')];
    if (record.body === undefined)
      return [
        400,
        graphError(
          100,
          form === undefined && /^multipart\//i.test(req.headers['content-type'] ?? '')
            ? '(#100) Invalid multipart body'
            : '(#100) Invalid JSON in request body',
        ),
      ];

    const token = bearer(req.headers.authorization) ?? record.query.access_token ?? (record.body as { access_token?: string }).access_token;
    record.accessToken = token;
    if (!token) return [400, graphError(104, 'An access token is required to request this resource.', 'OAuthException')];
    const page = this.pages.get(token);
    if (!page || this.revokedTokens.has(token)) {
      return [400, graphError(190, 'Error validating access token: The session has been invalidated.', 'OAuthException', 460)];
    }
    if (this.options.appSecret) {
      const proof = record.query.appsecret_proof ?? (record.body as { appsecret_proof?: string }).appsecret_proof;
      const expected = createHmac('sha256', this.options.appSecret).update(token).digest('hex');
      if (!proof || !safeEqual(proof, expected)) {
        return [400, graphError(100, 'Invalid appsecret_proof provided in the API argument', 'GraphMethodException')];
      }
    }

    const fault = this.faults.find((f) => (f.path ?? /\/messages$/).test(record.path));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return [
        fault.status,
        graphError(fault.code, fault.message ?? `(#${fault.code}) Injected failure`, 'OAuthException', fault.subcode),
        fault.delayMs,
      ];
    }

    const commentAnswer = this.comments.answer(record.method, record.path, record.body as Record<string, unknown>, page.pageId);
    if (commentAnswer) return toTuple(commentAnswer);
    const threadAnswer = this.threadControl.answer(record.method, record.path, record.body as Record<string, unknown>, record.query);
    if (threadAnswer) return toTuple(threadAnswer);
    const subscriptionAnswer = this.subscribedApps.answer(
      record.method,
      record.path,
      record.body as Record<string, unknown>,
      page.pageId,
      record.query,
    );
    if (subscriptionAnswer) return toTuple(subscriptionAnswer);
    const profileAnswer = this.messengerProfile.answer(
      record.method,
      record.path,
      record.body as Record<string, unknown>,
      page.pageId,
      record.query,
    );
    if (profileAnswer) return toTuple(profileAnswer);
    const instagramAnswer = this.instagram.answer(
      record.method,
      record.path,
      record.body as Record<string, unknown>,
      page.pageId,
      record.query,
    );
    if (instagramAnswer) return toTuple(instagramAnswer);

    if (record.method === 'POST' && /^\/(me|\d+)\/message_attachments$/.test(record.path) && form) {
      return this.uploadFiledata(record, form, page.pageId);
    }
    if (record.method === 'POST' && /^\/(me|\d+)\/message_attachments$/.test(record.path)) {
      const attachment = (
        record.body as { message?: { attachment?: { type?: string; payload?: { url?: string; is_reusable?: boolean } } } }
      ).message?.attachment;
      const url = attachment?.payload?.url;
      if (!attachment?.type || !['image', 'audio', 'video', 'file'].includes(attachment.type) || !url?.startsWith('https://')) {
        return [
          400,
          graphError(100, '(#100) param message[attachment] must have a type and an https payload.url', 'OAuthException', 2018008),
        ];
      }
      const id = `${Date.now()}${++this.messageSeq}`;
      this.attachments.set(id, { pageId: page.pageId, type: attachment.type, url });
      return [200, { attachment_id: id }];
    }

    if (record.method === 'POST' && /^\/(me|\d+)\/messages$/.test(record.path)) {
      const pageInPath = record.path.split('/')[1];
      if (pageInPath !== 'me' && pageInPath !== page.pageId) {
        return [400, graphError(100, '(#100) No matching user found', 'OAuthException', 2018001)];
      }
      if ((this.options.transientFailureRate ?? 0) > Math.random()) {
        return [500, graphError(2, 'An unexpected error has occurred. Please retry your request later.', 'OAuthException')];
      }
      const verdict = validateSendApiRequest(record.body);
      if (!verdict.ok) return [400, graphError(verdict.code, verdict.message, 'OAuthException', verdict.subcode)];
      const body = record.body as { recipient: { id?: string }; message?: unknown; messaging_type?: string; tag?: string };
      if (this.options.sendRatePerSecond !== undefined) {
        const now = Date.now();
        this.sendTimes = this.sendTimes.filter((t) => t > now - 1000);
        if (this.sendTimes.length >= this.options.sendRatePerSecond) {
          return [400, graphError(613, '(#613) Calls to this api have exceeded the rate limit.', 'OAuthException', 2534040)];
        }
        this.sendTimes.push(now);
      }
      const windowError = this.windowError(body, page.pageId);
      if (windowError) return [400, windowError];
      const attachmentId = (body.message as { attachment?: { payload?: { attachment_id?: string } } } | undefined)?.attachment?.payload
        ?.attachment_id;
      if (attachmentId !== undefined && this.attachments.get(attachmentId)?.pageId !== page.pageId) {
        return [400, graphError(100, '(#100) Attachment id is invalid or belongs to another page', 'OAuthException', 2018074)];
      }
      const commentId = (body.recipient as { comment_id?: string }).comment_id;
      if (commentId !== undefined && body.message !== undefined) {
        const reply = this.comments.privateReply(commentId, page.pageId);
        if ('error' in reply) return toTuple(reply);
        return [200, { recipient_id: reply.psid, message_id: `m_${page.pageId}_${++this.messageSeq}_${randomBytes(4).toString('hex')}` }];
      }
      if (body.message === undefined) return [200, { recipient_id: body.recipient.id }];
      return [
        200,
        { recipient_id: body.recipient.id, message_id: `m_${page.pageId}_${++this.messageSeq}_${randomBytes(4).toString('hex')}` },
      ];
    }
    if (record.method === 'GET' && record.path === '/me') {
      return [200, { id: page.pageId, name: page.name }];
    }
    if (record.method === 'GET' && /^\/[\w-]+$/.test(record.path)) {
      const psid = record.path.slice(1);
      const profile = this.options.profiles?.[psid] ?? generatedProfile(psid, this.baseUrl);
      const fields = (record.query.fields ?? 'first_name,last_name,profile_pic').split(',');
      return [
        200,
        { id: psid, ...Object.fromEntries(fields.filter((f) => f in profile).map((f) => [f, profile[f as keyof typeof profile]])) },
      ];
    }
    return [400, graphError(100, `(#100) Unsupported ${record.method} request to ${record.path}`, 'GraphMethodException', 33)];
  }

  /**
   * The Attachment Upload API with the file itself (multipart `message` + `filedata`), with Meta's checks:
   * a known type, a file that is there, at most 25 MB, a content type that fits the type (2018047). The
   * file is kept on the double's CDN, where the simulator's customer page shows and downloads it.
   */
  private uploadFiledata(record: RecordedRequest, form: FormPart[], pageId: string): [number, unknown] {
    const pageInPath = record.path.split('/')[1];
    if (pageInPath !== 'me' && pageInPath !== pageId)
      return [400, graphError(100, '(#100) No matching user found', 'OAuthException', 2018001)];
    const attachment = (record.body as { message?: { attachment?: { type?: string; payload?: { is_reusable?: boolean } } } }).message
      ?.attachment;
    const type = attachment?.type;
    if (!type || !(type in TYPE_PREFIX)) {
      return [400, graphError(100, '(#100) param message[attachment][type] must be one of image, audio, video, file', 'OAuthException')];
    }
    const file = form.find((p) => p.name === 'filedata' && p.filename !== undefined);
    if (!file || file.value.length === 0)
      return [400, graphError(100, '(#100) Upload attachment failure: filedata is missing or empty', 'OAuthException')];
    if (file.value.length > MAX_ASSET_BYTES) {
      return [
        400,
        graphError(
          100,
          `(#100) The attachment is ${file.value.length} bytes; at most ${MAX_ASSET_BYTES} are accepted`,
          'OAuthException',
          2018109,
        ),
      ];
    }
    const contentType = (file.contentType ?? 'application/octet-stream').split(';')[0].trim().toLowerCase();
    const prefix = TYPE_PREFIX[type];
    if (prefix && !contentType.startsWith(prefix)) {
      return [
        400,
        graphError(100, `(#100) Attachment type ${type} does not match the file's type ${contentType}`, 'OAuthException', 2018047),
      ];
    }
    const id = `${Date.now()}${++this.messageSeq}`;
    const url = this.cdn.put(`attachments/${id}/${file.filename || 'file'}`, Buffer.from(file.value), contentType);
    this.attachments.set(id, { pageId, type, url });
    return [200, { attachment_id: id }];
  }

  /** Meta's window rules, enforced for customers the simulator has seen write. */
  private windowError(
    body: {
      recipient: { id?: string };
      message?: unknown;
      messaging_type?: string;
      tag?: string;
    },
    pageId: string,
  ): GraphErrorBody | undefined {
    const last = body.recipient.id ? this.lastCustomerActivity(pageId, body.recipient.id) : undefined;
    if (body.message === undefined || body.recipient.id === undefined) return undefined;
    if (last === undefined) {
      return this.options.windowPerPageOnly ? graphError(100, '(#100) No matching user found', 'OAuthException', 2018001) : undefined;
    }
    const age = Date.now() - last;
    const day = 24 * 60 * 60 * 1000;
    const adMessage = latestFor(this.adMessages, pageId, body.recipient.id);
    if (adMessage !== undefined && Date.now() - adMessage <= 7 * day && body.messaging_type !== 'MESSAGE_TAG') return undefined;
    if (body.messaging_type === 'MESSAGE_TAG' && body.tag === 'HUMAN_AGENT' ? age > 7 * day : age > day) {
      return graphError(10, '(#10) This message is sent outside of allowed window.', 'OAuthException', 2018278);
    }
    return undefined;
  }

  /** A small control API so another process (local mode, the simulator script) can read what was sent. */
  private control(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): void {
    if (req.method === 'GET' && url.pathname === '/_double/requests') {
      const since = Number(url.searchParams.get('since') ?? 0);
      return this.reply(res, 200, { requests: this.requests.filter((r) => r.seq > since) });
    }
    const avatar = /^\/_double\/avatar\/([^/]+)\.svg$/.exec(url.pathname);
    if (req.method === 'GET' && avatar) {
      const psid = decodeURIComponent(avatar[1]);
      const profile = this.options.profiles?.[psid];
      const name = profile?.first_name ? `${profile.first_name} ${profile.last_name ?? ''}`.trim() : undefined;
      const svg = avatarSvg(psid, name);
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600', 'content-length': Buffer.byteLength(svg) });
      res.end(svg);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/_double/faults') {
      try {
        const fault = JSON.parse(raw.toString('utf8')) as InjectedFault & { path?: string };
        this.injectFault({ ...fault, path: fault.path ? new RegExp(fault.path) : undefined });
        return this.reply(res, 200, { ok: true });
      } catch {
        return this.reply(res, 400, { error: 'invalid fault JSON' });
      }
    }
    this.reply(res, 404, { error: 'unknown control endpoint' });
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

/** What the request log keeps of a multipart body: the text fields (`message` parsed as JSON), and for a file its name, type and size. */
function formFields(form: FormPart[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const part of form) {
    if (part.filename !== undefined) {
      fields[part.name] = { filename: part.filename, contentType: part.contentType, size: part.value.length };
      continue;
    }
    const text = part.value.toString('utf8');
    try {
      fields[part.name] = part.name === 'message' ? (JSON.parse(text) as unknown) : text;
    } catch {
      fields[part.name] = text;
    }
  }
  return fields;
}

function toTuple(answer: DoubleAnswer): [number, unknown] {
  return Array.isArray(answer)
    ? answer
    : [answer.error, graphError(answer.code, answer.message, answer.type ?? 'OAuthException', answer.subcode)];
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m?.[1];
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function graphError(code: number, message: string, type = 'OAuthException', subcode?: number): GraphErrorBody {
  return {
    error: {
      message,
      type,
      code,
      ...(subcode !== undefined ? { error_subcode: subcode } : {}),
      fbtrace_id: randomBytes(8).toString('base64url'),
    },
  };
}

/** Local-mode profile: a name derived from the id and a picture the double serves itself (offline). */
function generatedProfile(psid: string, baseUrl: string): { first_name: string; last_name: string; profile_pic: string } {
  return { ...nameFromId(psid), profile_pic: `${baseUrl}/_double/avatar/${encodeURIComponent(psid)}.svg` };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The latest time recorded for (Page, PSID), counting activity reported for any Page (`*`). */
function latestFor(times: ReadonlyMap<string, number>, pageId: string, psid: string): number | undefined {
  const found = [times.get(`${pageId}/${psid}`), times.get(`*/${psid}`)].filter((t): t is number => t !== undefined);
  return found.length > 0 ? Math.max(...found) : undefined;
}
