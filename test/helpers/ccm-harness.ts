import { LoggerService, Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CcmConfig, Env } from '@app/config';
import { GraphApiDouble, MessengerSimulator } from '@app/graph-double';
import { LOG_DESTINATION } from '@app/observability';
import { PersistenceService } from '@app/persistence';
import { testDatabase } from '@app/testing';
import { loadAppConfig } from '../../apps/ccm/src/app-config';
import { AppModule } from '../../apps/ccm/src/app.module';
import { configureApp, createFastifyAdapter } from '../../apps/ccm/src/create-app';

export const APP_SECRET = 'test-app-secret-0123456789abcdef';
export const VERIFY_TOKEN = 'test-verify-token';
export const PAGE_TOKEN = 'EAAB-test-page-token-123';
export const PAGE_ID = '1234567890';
/** A second Page served by the same deployment (multi-page), with its own token and policy. */
export const PAGE2_ID = '2222222222';
export const PAGE2_TOKEN = 'EAAB-second-page-token-456';
export const TEST_ENCRYPTION_KEY = '0f'.repeat(32);

export interface CcmHarness {
  app: NestFastifyApplication;
  url: string;
  graph: GraphApiDouble;
  simulator: MessengerSimulator;
  persistence: PersistenceService;
  config: CcmConfig;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Env;
  dialect?: 'sqlite' | 'postgres';
  /** Replace a provider (e.g. the bot connector). The Graph API gateway is never replaced. */
  overrides?: { provide: string | symbol | (abstract new (...args: never[]) => unknown); useValue: unknown }[];
  graph?: GraphApiDouble;
  /** Collects every log line (all levels) here instead of printing. */
  captureLogs?: string[];
  /** Runs the production logger (structured JSON, nestjs-pino, at LOG_LEVEL) and collects its lines here. */
  jsonLogs?: string[];
  /** Reuse this database (e.g. to restart the app on the same data); not dropped on close. */
  databaseUrl?: string;
  /** The channel modules to boot (default: the app's `CHANNEL_MODULES`). */
  channelModules?: readonly Type<unknown>[];
}

/**
 * Boots the real application on a real port, against a real database (SQLite file or a fresh
 * PostgreSQL schema) and the Graph API double over HTTP.
 */
export async function startCcm(options: HarnessOptions = {}): Promise<CcmHarness> {
  const graph =
    options.graph ??
    (await GraphApiDouble.start({
      appSecret: APP_SECRET,
      pages: [
        { pageId: PAGE_ID, accessToken: PAGE_TOKEN },
        { pageId: PAGE2_ID, accessToken: PAGE2_TOKEN },
      ],
    }));
  const db = options.databaseUrl
    ? { config: { dialect: 'sqlite' as const, url: '' }, cleanup: async () => undefined }
    : testDatabase(options.dialect ?? 'sqlite');
  const config = loadAppConfig({
    FACEBOOK_APP_SECRET: APP_SECRET,
    FACEBOOK_VERIFY_TOKEN: VERIFY_TOKEN,
    FACEBOOK_PAGE_ACCESS_TOKEN: PAGE_TOKEN,
    FACEBOOK_PAGE_ID: PAGE_ID,
    FACEBOOK_PAGES: JSON.stringify([{ id: PAGE2_ID, accessToken: PAGE2_TOKEN, name: 'Second Shop', routingPolicy: 'BOT_ONLY' }]),
    FACEBOOK_GRAPH_API_URL: graph.url,
    GRAPH_API_TIMEOUT_MS: '2000',
    TOKEN_CHECK_INTERVAL_MS: '0', // token checks are tested explicitly; elsewhere they would add GET /me calls
    CCM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, // Page tokens set through the admin API are stored encrypted
    SUBSCRIPTION_CHECK_INTERVAL_MS: '0', // likewise subscription checks (GET /{page-id}/subscribed_apps)
    DATABASE_URL: options.databaseUrl ?? (db.config.dialect === 'sqlite' ? `sqlite:${db.config.url}` : db.config.url),
    ...options.env,
  });
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config, options.channelModules)] });
  for (const o of options.overrides ?? []) builder = builder.overrideProvider(o.provide).useValue(o.useValue);
  const jsonLogs = options.jsonLogs;
  // The request logger (pino-http) writes here: the collected JSON lines, or nowhere unless CCM_TEST_LOGS.
  builder = builder
    .overrideProvider(LOG_DESTINATION)
    .useValue(
      jsonLogs
        ? { write: (line: string) => void jsonLogs.push(line) }
        : process.env.CCM_TEST_LOGS
          ? process.stdout
          : { write: () => undefined },
    );
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config), {
    bodyParser: false,
    bufferLogs: Boolean(options.jsonLogs),
    logger: options.jsonLogs
      ? undefined
      : options.captureLogs
        ? captureLogger(options.captureLogs)
        : process.env.CCM_TEST_LOGS
          ? ['log', 'error', 'warn', 'debug']
          : false,
  });
  await configureApp(app, config, { structuredLogs: Boolean(options.jsonLogs) });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    graph,
    config,
    simulator: new MessengerSimulator({ webhookUrl: `${url}/ccm/webhook`, appSecret: APP_SECRET, pageId: PAGE_ID, graph }),
    persistence: app.get(PersistenceService),
    async close() {
      await app.close();
      if (!options.graph) await graph.stop();
      await db.cleanup();
    },
  };
}

function captureLogger(lines: string[]): LoggerService {
  const write =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      lines.push(
        `${level} ${[message, ...rest].map((m) => (m instanceof Error ? `${m.message} ${m.stack}` : typeof m === 'string' ? m : JSON.stringify(m))).join(' ')}`,
      );
    };
  return {
    log: write('log'),
    error: write('error'),
    warn: write('warn'),
    debug: write('debug'),
    verbose: write('verbose'),
    fatal: write('fatal'),
  };
}

/** Polls until `check` returns a truthy value (or throws the last error after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 3000, stepMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw lastError instanceof Error ? lastError : new Error(`condition not met within ${timeoutMs} ms`);
}

/** What "idle" waits for; a paused Page keeps its messages queued, so a test of one says so. */
export interface IdleOptions {
  timeoutMs?: number;
  /** Messages of paused Pages (blocked, invalid token) stay queued on purpose: don't wait for them. */
  ignorePausedPages?: boolean;
}

/**
 * Waits until ccm has nothing left to do: no pending inbound event, no queued outbound message (nor
 * one being sent), no pending bridge event, and no conversation lease held — twice in a row, a poll
 * apart, so work handed from one stage to the next is not missed. A "nothing happened" assertion
 * made after this proves something; made after a fixed sleep it does not (the work may still come).
 */
export async function waitForIdle(h: Pick<CcmHarness, 'persistence'>, options: IdleOptions = {}): Promise<void> {
  const db = h.persistence.db;
  const busy = async (): Promise<string | undefined> => {
    const now = Date.now();
    const journal = await db.selectFrom('inbound_events').select('id').where('status', '=', 'pending').limit(1).execute();
    if (journal.length > 0) return 'inbound events pending';
    let outbox = db.selectFrom('messages').select('messages.id').where('messages.status', '=', 'queued');
    if (options.ignorePausedPages)
      outbox = outbox
        .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
        .leftJoin('page_states', 'page_states.page_id', 'conversations.page_id')
        .where((eb) =>
          eb.or([
            eb('page_states.page_id', 'is', null),
            eb.and([eb('page_states.blocked', '=', 0), eb('page_states.token_status', '=', 'valid')]),
          ]),
        );
    if ((await outbox.limit(1).execute()).length > 0) return 'outbound messages queued';
    const bridge = await db.selectFrom('bridge_outbox').select('id').where('status', '=', 'pending').limit(1).execute();
    if (bridge.length > 0) return 'bridge events pending';
    const leases = await db
      .selectFrom('conversations')
      .select('id')
      .where('lease_owner', 'is not', null)
      .where('lease_until', '>', now)
      .limit(1)
      .execute();
    if (leases.length > 0) return 'a conversation lease is held';
    return undefined;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let quietPolls = 0;
  let last: string | undefined;
  while (quietPolls < 2) {
    last = await busy();
    quietPolls = last === undefined ? quietPolls + 1 : 0;
    if (quietPolls >= 2) return;
    if (Date.now() > deadline) throw new Error(`ccm did not become idle: ${last ?? 'still settling'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
