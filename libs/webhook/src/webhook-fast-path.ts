import { HttpException, Injectable, Logger, Optional } from '@nestjs/common';
import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import { WEBHOOK_BODY_LIMIT_BYTES, WEBHOOK_PATH_PREFIX } from '@app/core';
import { CcmConfig } from '@app/config';
import {
  CcmMetrics,
  configuredSecrets,
  LifecycleState,
  requestIdOf,
  requestLogLevel,
  requestLogMessage,
  trackRequestConnection,
  unansweredReason,
  webhookOutcomeOf,
  writeRequestLine,
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

/** `WEBHOOK_ANSWER_HEADERS` as writeHead's flat list (no `setHeader` per header and request). */
const ANSWER_HEADER_LIST: readonly string[] = Object.entries(WEBHOOK_ANSWER_HEADERS).flat();

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

  /** Configured secret values: a request line whose message contains one is left to pino's scrubbing. */
  private readonly secrets: readonly string[];

  constructor(
    private readonly receiver: WebhookReceiver,
    private readonly lifecycle: LifecycleState,
    config: CcmConfig,
    @Optional() private readonly metrics?: CcmMetrics,
  ) {
    this.secrets = configuredSecrets(config);
  }

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
    trackRequestConnection(req, res); // a timeout or an abort is told on this request's log line
    res.once('close', () => this.finished(req, res, id, started));

    if (this.lifecycle.draining) {
      req.resume();
      return this.json(res, id, 503, { statusCode: 503, message: 'shutting down; retry later' }, [
        'retry-after',
        '5',
        'connection',
        'close',
      ]);
    }
    const declared = Number(req.headers['content-length']);
    if (declared > WEBHOOK_BODY_LIMIT_BYTES) return this.tooLarge(req, res, id);

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > WEBHOOK_BODY_LIMIT_BYTES) {
        refused = true;
        return this.tooLarge(req, res, id);
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
          () => this.answer(res, id, 200, 'text/plain; charset=utf-8', ACCEPTED),
          (error: unknown) => this.refuse(req, res, id, error),
        );
    });
  }

  /** The exception's answer, as the global exception filter gives it (a 500 names its logged error id). */
  private refuse(req: IncomingMessage, res: ServerResponse, id: string, error: unknown): void {
    if (error instanceof HttpException) {
      const body = error.getResponse();
      return this.json(res, id, error.getStatus(), typeof body === 'string' ? { statusCode: error.getStatus(), message: body } : body);
    }
    this.json(res, id, 500, internalErrorAnswer(logUnexpectedError(this.logger, req, error)));
  }

  /** As Fastify answers a body over its limit. */
  private tooLarge(req: IncomingMessage, res: ServerResponse, id: string): void {
    req.resume(); // let the client finish sending, so it reads the answer
    this.json(
      res,
      id,
      413,
      { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', error: 'Payload Too Large', message: 'Request body is too large' },
      ['connection', 'close'],
    );
  }

  private json(res: ServerResponse, id: string, status: number, body: unknown, extra?: readonly string[]): void {
    this.answer(res, id, status, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(body)), extra);
  }

  /** Every answer: the security headers, the request id, the body's type and length, and `extra` (name, value, …). */
  private answer(res: ServerResponse, id: string, status: number, type: string, payload: Buffer, extra?: readonly string[]): void {
    if (res.headersSent) return;
    const headers = [...ANSWER_HEADER_LIST, 'x-request-id', id, 'content-type', type, 'content-length', String(payload.length)];
    if (extra) headers.push(...extra);
    res.writeHead(status, headers);
    res.end(payload);
  }

  /**
   * The request's metric and its one log line, as pino-http writes it (reqId, req, res, responseTime).
   * An answered webhook to the plain path (nearly all of them) gets the line written in one piece
   * (`writeRequestLine`: the same fields, a fraction of the CPU); anything else goes through pino.
   */
  private finished(req: IncomingMessage, res: ServerResponse, id: string, started: bigint): void {
    const unanswered = unansweredReason(req, res);
    const status = res.statusCode;
    if (!unanswered) this.metrics?.webhookRequest(webhookOutcomeOf(status));
    const log = PinoLogger.root;
    if (!log) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const responseTime = Math.round(ms);
    if (!unanswered && status < 500 && req.url === WEBHOOK_PATH_PREFIX) {
      const level = requestLogLevel(status);
      if (!log.isLevelEnabled(level)) return;
      const fields = {
        level,
        reqId: id,
        method: 'POST',
        url: WEBHOOK_PATH_PREFIX,
        remoteAddress: req.socket.remoteAddress,
        statusCode: status,
        responseTime,
        msg: `POST ${WEBHOOK_PATH_PREFIX} ${status} ${responseTime} ms`, // requestLogMessage's, for a path with nothing to redact
      } as const;
      if (writeRequestLine(log, fields, this.secrets)) return;
    }
    const line = { reqId: id, req, res, responseTime };
    if (unanswered) log.warn(line, `${req.method} ${req.url}: ${unanswered} after ${responseTime} ms`);
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
