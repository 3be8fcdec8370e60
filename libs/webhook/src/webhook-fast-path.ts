import { HttpException, Injectable, Logger, Optional } from '@nestjs/common';
import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import { WEBHOOK_BODY_LIMIT_BYTES, WEBHOOK_PATH_PREFIX } from '@app/core';
import {
  CcmMetrics,
  LifecycleState,
  requestIdOf,
  requestLogLevel,
  requestLogMessage,
  trackRequestConnection,
  unansweredReason,
  webhookOutcomeOf,
} from '@app/observability';
import { internalErrorAnswer, logUnexpectedError } from '@app/platform-http';
import { WebhookReceiver } from './webhook-receiver';

/**
 * What every webhook answer carries besides its id: the headers @fastify/helmet and ccm's default
 * content security policy give every other answer (see `configureApp`; the security-headers e2e
 * compares the two).
 */
export const WEBHOOK_ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

const ACCEPTED = Buffer.from('EVENT_RECEIVED');

/**
 * `POST /ccm/webhook`, served ahead of the framework. Meta's webhooks are the one high-volume route:
 * through Fastify's hooks, Nest's middleware (pino-http), router and exception filters a one-event
 * webhook cost several times what receiving it does. Here the request goes straight from node:http
 * to the `WebhookReceiver` — the same signature check, parsing, mapping and group commit, 200 only
 * once its events are durable — and keeps what the pipeline gave it, at low cost: the request id
 * (echoed), the security headers, the body limit (413), 503 while draining, the
 * `ccm_webhook_requests_total` outcome and one log line per request in pino-http's shape. Any other
 * request (the GET handshake, other paths) goes to Fastify as before.
 */
@Injectable()
export class WebhookFastPath {
  private readonly logger = new Logger(WebhookFastPath.name);

  constructor(
    private readonly receiver: WebhookReceiver,
    private readonly lifecycle: LifecycleState,
    @Optional() private readonly metrics?: CcmMetrics,
  ) {}

  /** Puts the fast path in front of the server's request listeners (the framework's). */
  install(server: Server): void {
    const others = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST' && isWebhookUrl(req.url)) this.serve(req, res);
      else for (const listener of others) listener.call(server, req, res);
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const id = requestIdOf(req);
    (req as IncomingMessage & { id?: string }).id = id; // for the log line's `req.id`, as Fastify sets it
    res.setHeader('x-request-id', id);
    for (const name in WEBHOOK_ANSWER_HEADERS) res.setHeader(name, WEBHOOK_ANSWER_HEADERS[name]);
    trackRequestConnection(req, res); // a timeout or an abort is told on this request's log line
    res.once('close', () => this.finished(req, res, id, started));

    if (this.lifecycle.draining) {
      res.setHeader('retry-after', '5');
      res.setHeader('connection', 'close');
      req.resume();
      return this.json(res, 503, { statusCode: 503, message: 'shutting down; retry later' });
    }
    const declared = Number(req.headers['content-length']);
    if (declared > WEBHOOK_BODY_LIMIT_BYTES) return this.tooLarge(req, res);

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > WEBHOOK_BODY_LIMIT_BYTES) {
        refused = true;
        return this.tooLarge(req, res);
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      this.receiver
        .receive({
          raw,
          signature256: header(req, 'x-hub-signature-256'),
          signatureSha1: header(req, 'x-hub-signature'),
          ip: req.socket.remoteAddress,
        })
        .then(
          () => {
            res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': ACCEPTED.length });
            res.end(ACCEPTED);
          },
          (error: unknown) => this.refuse(req, res, error),
        );
    });
  }

  /** The exception's answer, as the global exception filter gives it (a 500 names its logged error id). */
  private refuse(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (error instanceof HttpException) {
      const body = error.getResponse();
      return this.json(res, error.getStatus(), typeof body === 'string' ? { statusCode: error.getStatus(), message: body } : body);
    }
    this.json(res, 500, internalErrorAnswer(logUnexpectedError(this.logger, req, error)));
  }

  /** As Fastify answers a body over its limit. */
  private tooLarge(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('connection', 'close');
    req.resume(); // let the client finish sending, so it reads the answer
    this.json(res, 413, {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return;
    const payload = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length });
    res.end(payload);
  }

  /** The request's metric and its one log line, as pino-http writes it (reqId, req, res, responseTime). */
  private finished(req: IncomingMessage, res: ServerResponse, id: string, started: bigint): void {
    const unanswered = unansweredReason(req, res);
    const status = res.statusCode;
    if (!unanswered) this.metrics?.webhookRequest(webhookOutcomeOf(status));
    const log = PinoLogger.root;
    if (!log) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const line = { reqId: id, req, res, responseTime: Math.round(ms) };
    if (unanswered) log.warn(line, `${req.method} ${req.url}: ${unanswered} after ${Math.round(ms)} ms`);
    else if (status >= 500) log[requestLogLevel(status)](line, `${req.method} ${req.url} ${status}: failed with status code ${status}`);
    else log[requestLogLevel(status)](line, requestLogMessage(req.method, req.url, status, ms));
  }
}

function isWebhookUrl(url: string | undefined): boolean {
  return url === WEBHOOK_PATH_PREFIX || (url !== undefined && url.startsWith(`${WEBHOOK_PATH_PREFIX}?`));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
