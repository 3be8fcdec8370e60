import type { Server } from 'node:http';
import helmet from '@fastify/helmet';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { CcmConfig } from '@app/config';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { ATTACHMENT_BODY_LIMIT_BYTES, ATTACHMENT_ROUTE_PATTERN, RedisIoAdapter, setupAgentDeskOpenApi } from '@app/agent-desk';
import { JsonEdgeError, parseApiJson, UnparseableJsonBody, WEBHOOK_BODY_LIMIT_BYTES, WEBHOOK_PATH_PREFIX } from '@app/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import {
  CcmMetrics,
  GracefulShutdown,
  LifecycleState,
  observeClientErrors,
  requestIdOf,
  trackRequestConnection,
  webhookOutcomeOf,
} from '@app/observability';
import { WebhookFastPath } from '@app/webhook';
import { AppModule } from './app.module';

export type LogLevels = false | ('log' | 'error' | 'warn' | 'debug' | 'verbose')[];

/**
 * The Fastify adapter ccm runs on. Webhook bodies are kept as raw bytes (a Buffer) so the controller
 * verifies the signature before anything is parsed; other JSON bodies are parsed here (bad JSON → 400).
 */
export function createFastifyAdapter(config?: CcmConfig): FastifyAdapter {
  const requestTimeout = config?.operations.requestTimeoutMs ?? 30_000;
  const adapter = new FastifyAdapter({
    bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names (a hop count or addresses/CIDRs):
    // otherwise any client could choose its own address (login limits, log lines).
    trustProxy: trustProxyOf(config),
    // A request (headers and body) must arrive within this: slow-body clients cannot hold connections open.
    requestTimeout,
    // Node only enforces it when the server is created with it, and checks every connectionsCheckingInterval
    // (30 s by default): set both at creation, or a slow body is cut off minutes late.
    http: { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1000, requestTimeout / 4) },
    // One id per request (the caller's X-Request-Id when sane): in every log line and echoed back.
    requestIdHeader: false,
    genReqId: requestIdOf,
  });
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    trackRequestConnection(request.raw, reply.raw); // so a timeout or abort is told on this request's log line
    done();
  });
  // An agent's file upload (the desk's Attach) is the one body larger than a webhook's, kept as raw bytes.
  fastify.addHook('onRoute', (route) => {
    if (route.method === 'POST' && ATTACHMENT_ROUTE_PATTERN.test(route.url.replace(':id', 'x')))
      route.bodyLimit = ATTACHMENT_BODY_LIMIT_BYTES;
  });
  fastify.removeAllContentTypeParsers();
  const parse = (request: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => {
    if (request.url.startsWith(WEBHOOK_PATH_PREFIX) || ATTACHMENT_ROUTE_PATTERN.test(request.url)) return done(null, body);
    if (body.length === 0) return done(null, undefined);
    try {
      // Over-deep nesting and U+0000 are refused here, with the reason (see parseApiJson).
      done(null, parseApiJson(body.toString('utf8')));
    } catch (error) {
      // The agent API answers bad JSON itself, in its own error shape (code INVALID_JSON).
      if (request.url.startsWith('/api/'))
        return done(null, new UnparseableJsonBody(error instanceof Error ? error.message : 'unparseable'));
      done(Object.assign(new Error(error instanceof JsonEdgeError ? error.message : 'body is not valid JSON'), { statusCode: 400 }));
    }
  };
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, parse);
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, parse);
  return adapter;
}

/** `logger`: plain Nest console logging at these levels instead of the structured JSON logs (e.g. the benchmark). */
export async function createApp(config: CcmConfig, logger?: LogLevels): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createFastifyAdapter(config), {
    ...(logger === undefined ? { bufferLogs: true } : { logger }),
    bodyParser: false,
  });
  await configureApp(app, config, { structuredLogs: logger === undefined });
  stopGracefullyOnSignals(app, config);
  return app;
}

/**
 * What every ccm app needs besides its modules (the test harness calls it too): Socket.IO (over Redis
 * when REDIS_URL is set, so several instances share realtime fan-out) and the OpenAPI docs.
 */
export async function configureApp(
  app: NestFastifyApplication,
  config: CcmConfig,
  options: { structuredLogs?: boolean } = {},
): Promise<void> {
  // Structured JSON logs (nestjs-pino) for every Nest logger; tests may keep their own capture logger.
  if (options.structuredLogs) app.useLogger(app.get(PinoLogger));
  await app.register(helmet, {
    // Pages set their own policy (the desk: script-src 'self', no 'unsafe-inline'); every other answer
    // gets the strictest one below, which also forbids framing anything ccm serves.
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('content-security-policy'))
      void reply.header('content-security-policy', request.url.startsWith('/api/docs') ? DOCS_CSP : DEFAULT_CSP);
    done(null, payload);
  });
  // Socket.IO attaches to the same HTTP server Fastify listens on (path /socket.io).
  if (config.realtime.redisUrl) {
    const adapter = new RedisIoAdapter(app);
    await adapter.connect(config.realtime.redisUrl);
    app.useWebSocketAdapter(adapter);
  } else {
    app.useWebSocketAdapter(new IoAdapter(app));
  }
  setupAgentDeskOpenApi(app);
  const httpLog = new Logger('Http');
  observeClientErrors(app.getHttpServer() as Server, (message) => httpLog.warn(message));
  observeWebhookOutcomes(app);
  refuseWebhooksWhileDraining(app);
  // Webhook POSTs are served ahead of Fastify and Nest (same checks, durable before 200; see WebhookFastPath).
  app.get(WebhookFastPath).install(app.getHttpServer());
}

/** For answers that set no policy of their own (API JSON, health, metrics): nothing may load or frame them. */
const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** The OpenAPI UI (Swagger UI's own files; it styles inline). */
const DOCS_CSP =
  "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

function trustProxyOf(config: CcmConfig | undefined): boolean | number | string[] {
  const trust = config?.operations.trustProxy ?? false;
  return typeof trust === 'object' ? [...trust] : trust;
}

/**
 * SIGTERM/SIGINT: drain (new webhooks 503, due work gets SHUTDOWN_TIMEOUT_MS), then close the app
 * (loops finish their in-flight work, connections close) and exit 0. A second signal, or a close
 * that hangs past the timeout, exits at once with 1.
 */
function stopGracefullyOnSignals(app: NestFastifyApplication, config: CcmConfig): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    const logger = new Logger('Shutdown');
    logger.log(`${signal} received: stopping gracefully`);
    setTimeout(() => {
      logger.error(`still not closed ${config.operations.shutdownTimeoutMs + 5000} ms after ${signal}: exiting`);
      process.exit(1);
    }, config.operations.shutdownTimeoutMs + 5000).unref();
    void app
      .get(GracefulShutdown)
      .drain()
      .then(() => app.close())
      .then(
        () => {
          logger.log('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** While draining, new webhooks are refused with 503 so Meta delivers them again (to this instance after its restart, or another). */
function refuseWebhooksWhileDraining(app: NestFastifyApplication): void {
  const lifecycle = app.get(LifecycleState);
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (lifecycle.draining && request.method === 'POST' && request.url.startsWith(WEBHOOK_PATH_PREFIX)) {
      void reply
        .code(503)
        .header('Retry-After', '5')
        .header('Connection', 'close')
        .send({ statusCode: 503, message: 'shutting down; retry later' });
      return;
    }
    done();
  });
}

/** Every answered `POST /ccm/webhook` counts once in `ccm_webhook_requests_total{outcome}` (also those refused before the controller, e.g. 413). */
function observeWebhookOutcomes(app: NestFastifyApplication): void {
  const metrics = app.get(CcmMetrics);
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.method === 'POST' && request.url.startsWith(WEBHOOK_PATH_PREFIX))
      metrics.webhookRequest(webhookOutcomeOf(reply.statusCode));
    done();
  });
}
