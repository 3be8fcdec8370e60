import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { Options } from 'pino-http';
import { CcmConfig, LOCAL_MODE_CREDENTIALS } from '@app/config';
import { redactSecrets } from '@app/core';
import { batchedStdout } from './batched-stdout';
import { unansweredReason } from './client-errors';
import { currentCorrelationId } from './correlation';

/** Routes probed every few seconds: their requests are not logged. */
const QUIET_PATHS = ['/health', '/metrics'];
/** Query parameters whose values never reach a log line. */
const SECRET_QUERY = /([?&](?:hub\.verify_token|access_token|token|appsecret_proof|key)=)[^&]*/gi;
/** Field names that hold secrets wherever they appear in a logged object. */
const SECRET_FIELDS = ['accessToken', 'access_token', 'password', 'token', 'secret', 'apiKey', 'authorization', 'signature'];
/** Field names that hold what a customer wrote: only logged at debug/trace. */
const CUSTOMER_TEXT_FIELDS = new Set(['text', 'customerText', 'message_text']);
const INCOMING_REQUEST_ID = /^[\w.:-]{1,64}$/;

let timestampMs = -1;
let timestampText = '';

/**
 * pino's `time` field as an ISO string, formatted once per millisecond: under load many lines share
 * a millisecond, and `toISOString` was a visible part of each request line's cost.
 */
function isoTimestamp(): string {
  const now = Date.now();
  if (now !== timestampMs) {
    timestampMs = now;
    timestampText = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timestampText;
}

/** Every configured secret value, to be cut out of free-text log messages too. */
export function configuredSecrets(config: CcmConfig): string[] {
  // Local mode's credentials are published (they only work against the built-in Graph double).
  const published = new Set<string | undefined>(config.localMode ? Object.values(LOCAL_MODE_CREDENTIALS) : []);
  const values = [
    config.graph.appSecret,
    config.webhook.verifyToken,
    ...config.pages.map((p) => p.accessToken),
    config.agents.adminApiKey,
    config.agents.jwtSecret,
    config.agents.chatServer?.secret,
    config.agents.chatServer?.apiKey,
    ...config.sectionSecrets,
    config.operations.metricsToken,
    passwordOf(config.database.url),
  ];
  return values.filter((v): v is string => typeof v === 'string' && v.length >= 4 && !published.has(v));
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** The request id of an incoming request: the caller's `X-Request-Id` when it is sane, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

function isQuietPath(url: string | undefined): boolean {
  return QUIET_PATHS.some((p) => url === p || url?.startsWith(`${p}/`) || url?.startsWith(`${p}?`));
}

export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[REDACTED]');
}

/** The message of a request's log line (also written by the webhook fast path, which bypasses pino-http). */
export function requestLogMessage(method: string | undefined, url: string | undefined, status: number, ms: number): string {
  return `${method} ${redactUrl(url)} ${status} ${Math.round(ms)} ms`;
}

/** A request's log level: 503 is an expected answer (draining, database outage: Meta retries); other 5xx are errors. */
export function requestLogLevel(status: number, error?: unknown): 'info' | 'warn' | 'error' {
  return status === 503 ? 'warn' : error || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/**
 * pino-http options for ccm: JSON lines (pretty in local mode), one line per request with a request
 * id (the caller's `X-Request-Id` when it is sane, else a UUID; echoed in the response), no request
 * headers or bodies, health and metrics requests not logged, secrets redacted by field name and by
 * value, customer text only at debug, and the current correlation id on every line.
 */
export function pinoHttpOptions(config: CcmConfig, destination?: DestinationStream): Params['pinoHttp'] {
  const ops = config.operations;
  const secrets = configuredSecrets(config);
  const textAllowed = ops.logLevel === 'debug' || ops.logLevel === 'trace';
  const scrub = (value: string) => redactSecrets(value, secrets);
  const base: LoggerOptions = {
    level: ops.logLevel,
    base: { service: 'ccm' },
    messageKey: 'msg',
    timestamp: isoTimestamp,
    redact: {
      paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`), 'req.headers', 'res.headers'],
      censor: '[REDACTED]',
    },
    mixin() {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
    formatters: {
      level: (label) => ({ level: label }),
      log(object) {
        if (textAllowed) return object;
        for (const key of Object.keys(object)) if (CUSTOMER_TEXT_FIELDS.has(key)) object[key] = '[REDACTED]';
        return object;
      },
    },
    hooks: {
      // Free-text messages (Nest's Logger) may quote an error that quotes a secret: cut every configured one out.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  const options: Options = {
    ...base,
    quietReqLogger: true,
    // Fastify has already given the request its id (see `requestIdOf`); pino-http reuses `req.id`.
    genReqId: (req) => req.id ?? randomUUID(),
    autoLogging: { ignore: (req) => isQuietPath((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url) },
    customSuccessMessage: (req, res, ms) => {
      const unanswered = unansweredReason(req, res);
      return unanswered
        ? `${req.method} ${redactUrl(req.url)}: ${unanswered} after ${Math.round(ms)} ms`
        : requestLogMessage(req.method, req.url, res.statusCode, ms);
    },
    customErrorMessage: (req, res, error) => `${req.method} ${redactUrl(req.url)} ${res.statusCode}: ${error.message}`,
    // A request that got no answer (client went away, timed out) is one warning, not an error: nothing failed in ccm.
    customLogLevel: (req, res, error) => (unansweredReason(req, res) !== undefined ? 'warn' : requestLogLevel(res.statusCode, error)),
    // pino-http invents an Error with a stack for every 5xx answer; the status line says it all.
    customErrorObject: (_req, _res, error, value: Record<string, unknown>) =>
      error.message.startsWith('failed with status code') ? { ...value, err: undefined } : value,
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return destination ? [options, destination] : options;
}

/**
 * Where log lines go unless a test gives a stream: stdout as JSON, written in batches of a few
 * milliseconds (see batchedStdout), or readable lines when LOG_FORMAT=pretty (local mode).
 * pino-pretty and its dependencies are loaded only then, so a production process (JSON logs) does
 * not carry them. In-process and synchronous (not a worker transport): a line is out before the
 * next statement runs (pretty), or within a few milliseconds (JSON).
 */
export async function logDestination(config: CcmConfig): Promise<DestinationStream> {
  if (config.operations.logFormat !== 'pretty') return batchedStdout();
  const { default: pretty } = await import('pino-pretty');
  return pretty({ singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,pid,hostname', sync: true });
}
