import { createHash, randomBytes } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { ROUTING_POLICIES, RoutingPolicy } from '@app/core';
import { CcmConfig, DatabaseConfig, LogLevel, OperationsConfig, PageConfig } from './ccm-config';
import type { ConfigSection } from './config-section';
import { EnvironmentVariables, SECRET_VARIABLES } from './environment.dto';
import {
  DEFAULT_GRAPH_API_URL,
  GRAPH_VERSION_EXPIRY_NOTICE_MS,
  graphVersionExpiry,
  graphVersionOf,
  isExpiredGraphVersion,
} from './graph-version.util';

export type Env = Record<string, string | undefined>;

/** Thrown when the environment is invalid; its message names every bad variable and why. */
export class InvalidConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    notes: readonly string[] = [],
  ) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        notes.map((n) => `\nNote: ${n}`).join(''),
    );
    this.name = 'InvalidConfigError';
  }
}

/** Credentials used in local mode against the built-in Graph API double. Not secrets: they only work there. */
export const LOCAL_MODE_CREDENTIALS = {
  appSecret: 'local-mode-app-secret',
  verifyToken: 'local-mode-verify-token',
  pageAccessToken: 'local-mode-page-token',
  pageId: '100000000000001',
  /** The Instagram professional account linked to the local Page (the simulator's Instagram customers write to it). */
  instagramAccountId: '17841400000000001',
  /** The admin API key in local mode (when ADMIN_API_KEY is unset). */
  adminApiKey: 'local-mode-admin-key',
} as const;

const DEFAULTS = {
  port: 3000,
  username: 'ccm',
  error: 'Sorry, something went wrong on our side. Please try again in a moment.',
  handover: 'Thanks! I am passing you to a colleague, who will answer here as soon as possible.',
  threshold: 0.6,
  database: 'sqlite:./data/ccm.sqlite',
  timeoutMs: 10000,
};

const FACEBOOK_CREDENTIALS = ['FACEBOOK_APP_SECRET', 'FACEBOOK_PAGE_ACCESS_TOKEN', 'FACEBOOK_VERIFY_TOKEN', 'FACEBOOK_PAGES'];

/**
 * FACEBOOK_PAGES: several Pages in one deployment, each with its own token, name and policy. Problems
 * are named by position and field, never by value (tokens are secrets).
 */
function parsePages(raw: string | undefined, problems: string[]): PageConfig[] {
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('FACEBOOK_PAGES: must be a JSON array of {"id","accessToken","name"?,"routingPolicy"?}');
    return [];
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push('FACEBOOK_PAGES: must be a non-empty JSON array');
    return [];
  }
  const pages: PageConfig[] = [];
  parsed.forEach((entry: unknown, i) => {
    const page = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const before = problems.length;
    if (typeof page.id !== 'string' || !/^\d+$/.test(page.id))
      problems.push(`FACEBOOK_PAGES[${i}].id: must be the numeric Page id as a string`);
    if (typeof page.accessToken !== 'string' || page.accessToken === '')
      problems.push(`FACEBOOK_PAGES[${i}].accessToken: must be a non-empty string`);
    if (page.name !== undefined && typeof page.name !== 'string') problems.push(`FACEBOOK_PAGES[${i}].name: must be a string`);
    if (page.routingPolicy !== undefined && !ROUTING_POLICIES.includes(page.routingPolicy as RoutingPolicy)) {
      problems.push(`FACEBOOK_PAGES[${i}].routingPolicy: must be one of ${ROUTING_POLICIES.join(', ')}`);
    }
    if (
      page.messengerProfile !== undefined &&
      (typeof page.messengerProfile !== 'object' || page.messengerProfile === null || Array.isArray(page.messengerProfile))
    )
      problems.push(`FACEBOOK_PAGES[${i}].messengerProfile: must be an object in Meta's messenger_profile shape`);
    if (page.instagramAccountId !== undefined && (typeof page.instagramAccountId !== 'string' || !/^\d+$/.test(page.instagramAccountId)))
      problems.push(`FACEBOOK_PAGES[${i}].instagramAccountId: must be the numeric Instagram professional account id as a string`);
    if (page.commentsRoutingPolicy !== undefined && !ROUTING_POLICIES.includes(page.commentsRoutingPolicy as RoutingPolicy)) {
      problems.push(`FACEBOOK_PAGES[${i}].commentsRoutingPolicy: must be one of ${ROUTING_POLICIES.join(', ')}`);
    }
    if (problems.length === before) {
      pages.push({
        pageId: page.id as string,
        accessToken: page.accessToken as string,
        displayName: (page.name as string | undefined) ?? '',
        routingPolicy: (page.routingPolicy as RoutingPolicy | undefined) ?? 'DEFAULT',
        ...(page.commentsRoutingPolicy !== undefined ? { commentsRoutingPolicy: page.commentsRoutingPolicy as RoutingPolicy } : {}),
        ...(page.instagramAccountId !== undefined ? { instagramAccountId: page.instagramAccountId as string } : {}),
        ...(page.messengerProfile !== undefined
          ? {
              messengerProfile: {
                source: `FACEBOOK_PAGES[${i}].messengerProfile`,
                value: page.messengerProfile as Record<string, unknown>,
              },
            }
          : {}),
      });
    }
  });
  return pages;
}

/** MESSENGER_PROFILE: the single Page's Messenger Profile as JSON (its fields are checked by the Messenger module). */
function parseMessengerProfile(raw: string | undefined, problems: string[]): PageConfig['messengerProfile'] {
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { source: 'MESSENGER_PROFILE', value: value as Record<string, unknown> };
  } catch {
    /* reported below */
  }
  problems.push(
    'MESSENGER_PROFILE: must be a JSON object in Meta\'s messenger_profile shape ({"get_started":…,"greeting":…,"persistent_menu":…})',
  );
  return undefined;
}

/** Local mode: none of Meta's credentials are configured, so there is nothing real to talk to. */
export function isLocalMode(env: Env): boolean {
  return FACEBOOK_CREDENTIALS.every((name) => !nonEmpty(env[name]));
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** True when the runtime knows the IANA time zone (e.g. "Europe/Berlin"; "Europe/Berln" is not one). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * "Mon-Fri 09:00-18:00 Europe/Berlin" → days 1..5, 540..1080 minutes, that zone (default UTC). The
 * shape is checked by the DTO; what a pattern cannot see (an unknown zone, an empty time range) is
 * reported through `problems`, so a bad value stops startup instead of failing every hand-over later.
 */
export function parseBusinessHours(spec: string | undefined, problems: string[] = []): CcmConfig['queue']['businessHours'] {
  if (!spec) return undefined;
  const [dayPart, timePart, zone = 'UTC'] = spec.split(' ');
  const [first, last = first] = dayPart.split('-').map((d) => WEEKDAYS.indexOf(d));
  const days: number[] = [];
  for (let d = first; ; d = (d + 1) % 7) {
    days.push(d);
    if (d === last) break;
  }
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const [from, to] = timePart.split('-').map(minutes);
  if (!isKnownTimeZone(zone)) {
    problems.push(`BUSINESS_HOURS: unknown time zone ${JSON.stringify(zone)} (use an IANA name such as Europe/Berlin, or UTC)`);
    return undefined;
  }
  if (from >= to) {
    problems.push(`BUSINESS_HOURS: the closing time must be after the opening time (got ${JSON.stringify(timePart)})`);
    return undefined;
  }
  return { days, from, to, timeZone: zone };
}

/** Business hours back in the shape `parseBusinessHours` reads ("Mon-Fri 09:00-18:00 Europe/Berlin"). */
export function formatBusinessHours(hours: NonNullable<CcmConfig['queue']['businessHours']>): string {
  const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const first = WEEKDAYS[hours.days[0]];
  const last = WEEKDAYS[hours.days[hours.days.length - 1]];
  return `${first === last ? first : `${first}-${last}`} ${hhmm(hours.from)}-${hhmm(hours.to)} ${hours.timeZone}`;
}

/** Variables holding URLs: besides their pattern, they must parse (a typo such as `http://host:99999` is caught here). */
const URL_VARIABLES = [
  'FACEBOOK_GRAPH_API_URL',
  'DATABASE_URL',
  'REDIS_URL',
  'CHAT_SERVER_URL',
  'MEDIA_S3_ENDPOINT',
  'MEDIA_PUBLIC_BASE_URL',
] as const;

export function isParsableUrl(value: string): boolean {
  if (value.startsWith('sqlite:')) return true;
  try {
    const url = new URL(value);
    return url.hostname !== '';
  } catch {
    return false;
  }
}

const NUMBER_RULES = new Set(['isInt', 'isNumber', 'min', 'max']);

/** The bounds declared with @Min/@Max on a variable, read from class-validator's metadata. */
function boundsOf(dtoClass: new () => object, property: string): { min?: number; max?: number; integer: boolean } {
  const rules = getMetadataStorage()
    .getTargetValidationMetadatas(dtoClass, '', true, false)
    .filter((m) => m.propertyName === property);
  const bound = (name: string) => rules.find((m) => m.name === name)?.constraints?.[0] as number | undefined;
  return { min: bound('min'), max: bound('max'), integer: rules.some((m) => m.name === 'isInt') };
}

const formatNumber = (n: number) => String(n);

/**
 * One reason per variable, with the value as it was written (never the converted NaN, which
 * JSON-prints as null, and never a secret). Numeric variables get one sentence with their range.
 */
function describe(error: ValidationError, env: Env, dtoClass: new () => object, secrets: ReadonlySet<string>): string {
  const failed = Object.keys(error.constraints ?? {});
  let reason: string;
  if (failed.length > 0 && failed.every((name) => NUMBER_RULES.has(name))) {
    const { min, max, integer } = boundsOf(dtoClass, error.property);
    const kind = integer ? 'a whole number' : 'a number';
    const range =
      min !== undefined && max !== undefined
        ? ` from ${formatNumber(min)} to ${formatNumber(max)}`
        : min !== undefined
          ? ` of at least ${formatNumber(min)}`
          : max !== undefined
            ? ` of at most ${formatNumber(max)}`
            : '';
    reason = `must be ${kind}${range}`;
  } else {
    reason = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  }
  const raw = env[error.property];
  const shown = secrets.has(error.property) || raw === undefined ? '' : ` (got ${JSON.stringify(truncate(raw))})`;
  return `${error.property}: ${reason}${shown}`;
}

/**
 * Checks `env` against a class-validator DTO of variables: one problem per bad variable, worded as the
 * rest of the configuration's (numbers with their range, the value as written unless it is secret).
 * Config sections use it for their own variables.
 */
export function checkVariables(dtoClass: new () => object, env: Env, secrets: ReadonlySet<string> = new Set()): string[] {
  const dto = plainToInstance(dtoClass, nonEmptyOnly(env), { enableImplicitConversion: false });
  return validateSync(dto, { skipMissingProperties: false }).map((e) => describe(e, env, dtoClass, secrets));
}

/** Empty strings mean "unset" (docker-compose and .env files often leave variables blank). */
function nonEmptyOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => nonEmpty(v)));
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

function parseDatabaseUrl(url: string): DatabaseConfig {
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', url: url.slice('sqlite:'.length) };
  return { dialect: 'postgres', url };
}

/**
 * Builds the typed configuration from a flat environment. Pure: no logging, no process exit; the
 * caller decides what to do with `InvalidConfigError` and with `warnings`. `sections` read the
 * variables of pluggable parts (the bot connectors): their problems join the same error, so one
 * message names every bad variable.
 */
export function loadCcmConfig(rawEnv: Env, now: Date = new Date(), sections: readonly ConfigSection<unknown>[] = []): CcmConfig {
  const env: Env = nonEmptyOnly(rawEnv);
  const dto = plainToInstance(EnvironmentVariables, env, { enableImplicitConversion: false });
  const problems = validateSync(dto, { skipMissingProperties: false }).map((e) => describe(e, env, EnvironmentVariables, SECRET_VARIABLES));
  const warnings: string[] = [];
  const sectionSecrets: string[] = [];
  const sectionValues: Record<string, unknown> = {};
  for (const section of sections) sectionValues[section.name] = section.read(env, { problems, warnings, secrets: sectionSecrets });
  const localMode = isLocalMode(env);

  if (!localMode && !env.FACEBOOK_APP_SECRET) {
    problems.push('FACEBOOK_APP_SECRET: must be set to verify X-Hub-Signature-256 on webhooks (App Dashboard → Settings → Basic)');
  }
  if (!localMode && !env.FACEBOOK_VERIFY_TOKEN && !env.FACEBOOK_PAGE_ACCESS_TOKEN && !env.FACEBOOK_PAGES) {
    problems.push('FACEBOOK_PAGE_ACCESS_TOKEN: must be set (the Page access token used for the Send API)');
  }
  const extraPages = parsePages(env.FACEBOOK_PAGES, problems);
  const messengerProfile = parseMessengerProfile(env.MESSENGER_PROFILE, problems);
  const bridge = (dto.AGENT_BRIDGE ?? 'embedded') as 'embedded' | 'external';
  if (bridge === 'external') {
    for (const name of ['CHAT_SERVER_URL', 'CHAT_SERVER_SECRET', 'CHAT_SERVER_API_KEY'] as const) {
      if (!env[name]) problems.push(`${name}: must be set when AGENT_BRIDGE=external`);
    }
  }
  if (localMode && env.NODE_ENV === 'production') {
    problems.push(
      'NODE_ENV=production without FACEBOOK_APP_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN and FACEBOOK_VERIFY_TOKEN (or FACEBOOK_PAGES): local mode (built-in Graph double, published admin key) never runs in production. Set those variables, or unset NODE_ENV to try ccm locally.',
    );
  }
  const failed = new Set(problems.map((p) => p.split(':')[0]));
  const businessHours = failed.has('BUSINESS_HOURS') ? undefined : parseBusinessHours(dto.BUSINESS_HOURS, problems);
  for (const name of URL_VARIABLES) {
    const value = env[name];
    if (value !== undefined && !failed.has(name) && !isParsableUrl(value)) {
      problems.push(`${name}: is not a valid URL${SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(truncate(value))})`}`);
    }
  }
  const port = dto.PORT ?? DEFAULTS.port;
  const localGraphPort = dto.LOCAL_GRAPH_PORT ?? (port === 0 ? 0 : port + 1);
  if (localMode && !failed.has('PORT') && !failed.has('LOCAL_GRAPH_PORT')) {
    if (localGraphPort > 65535)
      problems.push(`PORT: must be at most 65534 in local mode, where the simulator listens on PORT + 1 (got "${port}")`);
    else if (port !== 0 && localGraphPort === port)
      problems.push(`LOCAL_GRAPH_PORT: must differ from PORT (both are ${port}); the simulator and ccm each need their own port`);
  }
  for (const [base, cap] of [
    ['OUTBOX_RETRY_BASE_MS', 'OUTBOX_RETRY_CAP_MS'],
    ['CHAT_SERVER_RETRY_BASE_MS', 'CHAT_SERVER_RETRY_MAX_MS'],
  ] as const) {
    const low = dto[base];
    const high = dto[cap];
    if (low !== undefined && high !== undefined && !failed.has(base) && !failed.has(cap) && low > high)
      problems.push(`${cap}: must not be smaller than ${base} (${high} < ${low})`);
  }
  if (problems.length > 0) {
    // Someone fixing a broken config should also learn that no Meta credentials are set at all.
    const notes = localMode
      ? [
          'FACEBOOK_APP_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN and FACEBOOK_VERIFY_TOKEN are not set: once the problems above are fixed, ccm starts in local mode against its built-in Graph API double, not Meta. Set them to go live.',
        ]
      : [];
    throw new InvalidConfigError(problems, notes);
  }

  let jwtSecret = env.AGENT_JWT_SECRET;
  if (!jwtSecret) {
    // A random secret works for one process; tokens then die on restart and are not shared between
    // instances. The agent desk warns about it at startup (only when the desk is in use).
    jwtSecret = randomBytes(32).toString('hex');
  }

  let pageAccessToken = env.FACEBOOK_PAGE_ACCESS_TOKEN;
  if (!localMode && !pageAccessToken && !env.FACEBOOK_PAGES) {
    // Older deployments kept the page access token in FACEBOOK_VERIFY_TOKEN and used it for both.
    pageAccessToken = env.FACEBOOK_VERIFY_TOKEN;
    warnings.push(
      'FACEBOOK_PAGE_ACCESS_TOKEN is not set: using the value of FACEBOOK_VERIFY_TOKEN as both the webhook verify token and the Page access token (legacy setup). Set FACEBOOK_PAGE_ACCESS_TOKEN to separate them.',
    );
  }

  if (extraPages.length > 0 && pageAccessToken && !env.FACEBOOK_PAGE_ID) {
    warnings.push('FACEBOOK_PAGE_ACCESS_TOKEN is ignored: with FACEBOOK_PAGES set, also set FACEBOOK_PAGE_ID to add that page.');
  }
  const baseUrl = (dto.FACEBOOK_GRAPH_API_URL ?? DEFAULT_GRAPH_API_URL).replace(/\/+$/, '');
  const version = graphVersionOf(baseUrl) ?? 'unknown';
  if (isExpiredGraphVersion(version, now)) {
    warnings.push(
      `FACEBOOK_GRAPH_API_URL uses Graph API ${version}, which Meta has expired: calls are silently served by the oldest supported version, so behaviour changes under you. Pin a supported version such as ${graphVersionOf(DEFAULT_GRAPH_API_URL)}.`,
    );
  } else {
    const expiry = graphVersionExpiry(version);
    if (expiry && expiry.getTime() - now.getTime() <= GRAPH_VERSION_EXPIRY_NOTICE_MS) {
      const days = Math.ceil((expiry.getTime() - now.getTime()) / 86_400_000);
      warnings.push(
        `FACEBOOK_GRAPH_API_URL uses Graph API ${version}, which Meta stops serving on ${expiry.toISOString().slice(0, 10)} (in ${days} days). Move to a newer version such as ${graphVersionOf(DEFAULT_GRAPH_API_URL)}.`,
      );
    }
  }
  if (dto.MESSENGER_HUMAN_AGENT_TAG === undefined) {
    warnings.push(
      "MESSENGER_HUMAN_AGENT_TAG is not set: the HUMAN_AGENT tag is off, so agent replies more than 24 h after the customer's last message are refused locally. Set MESSENGER_HUMAN_AGENT_TAG=true once Meta has granted the app the Human Agent permission (App Review).",
    );
  }

  const routingPolicy = (dto.FB_ROUTING_POLICY ?? 'DEFAULT') as RoutingPolicy;
  const displayName = dto.FACEBOOK_USERNAME ?? DEFAULTS.username;
  const config: CcmConfig = {
    port,
    localGraphPort,
    localMode,
    graph: {
      baseUrl,
      version,
      timeoutMs: dto.GRAPH_API_TIMEOUT_MS ?? DEFAULTS.timeoutMs,
      appSecret: localMode ? LOCAL_MODE_CREDENTIALS.appSecret : (env.FACEBOOK_APP_SECRET as string),
    },
    webhook: {
      verifyToken: localMode ? LOCAL_MODE_CREDENTIALS.verifyToken : (env.FACEBOOK_VERIFY_TOKEN ?? (pageAccessToken as string)),
      acceptSha1: dto.FACEBOOK_ACCEPT_SHA1_SIGNATURE === 'true',
      retryBaseMs: dto.INBOUND_RETRY_BASE_MS ?? 500,
    },
    pages: [
      // The single-page variables still work; without FACEBOOK_PAGE_ID that page answers for any id.
      ...(localMode || pageAccessToken
        ? [
            {
              pageId: localMode
                ? (env.FACEBOOK_PAGE_ID ?? LOCAL_MODE_CREDENTIALS.pageId)
                : (env.FACEBOOK_PAGE_ID ?? (extraPages.length > 0 ? '' : undefined)),
              accessToken: localMode ? LOCAL_MODE_CREDENTIALS.pageAccessToken : (pageAccessToken as string),
              displayName,
              routingPolicy,
              ...(env.FACEBOOK_INSTAGRAM_ACCOUNT_ID || localMode
                ? { instagramAccountId: env.FACEBOOK_INSTAGRAM_ACCOUNT_ID || LOCAL_MODE_CREDENTIALS.instagramAccountId }
                : {}),
              ...(messengerProfile ? { messengerProfile } : {}),
            },
          ]
        : []),
      ...extraPages.map((p) => ({ ...p, displayName: p.displayName || displayName })),
    ].filter((p) => p.pageId !== ''),
    messages: {
      error: dto.ERROR_MESSAGE_RESPONSE ?? DEFAULTS.error,
      handover: dto.HANDOVER_MESSAGE ?? DEFAULTS.handover,
      botDisclosure: dto.BOT_DISCLOSURE_MESSAGE,
    },
    routing: {
      defaultPolicy: routingPolicy,
      confidenceThreshold: dto.BOT_CONFIDENCE_THRESHOLD ?? DEFAULTS.threshold,
      lowConfidenceTurns: dto.LOW_CONFIDENCE_TURNS ?? 1,
      handoverPhrases: (dto.HANDOVER_PHRASES ?? 'agent,human,talk to a person,talk to someone,real person,operator')
        .split(',')
        .map((p) => p.trim().toLowerCase())
        .filter(Boolean),
      handoverPayload: dto.HANDOVER_PAYLOAD ?? 'HUMAN_AGENT',
    },
    realtime: { redisUrl: env.REDIS_URL },
    outbox: {
      retryBaseMs: dto.OUTBOX_RETRY_BASE_MS ?? 200,
      retryCapMs: dto.OUTBOX_RETRY_CAP_MS ?? 60_000,
      maxAttempts: dto.OUTBOX_MAX_ATTEMPTS ?? 8,
    },
    work: {
      leaseMs: dto.WORK_LEASE_MS ?? 30_000,
      inboundConcurrency: dto.INBOUND_CONCURRENCY ?? 16,
      outboxConcurrency: dto.OUTBOX_CONCURRENCY ?? 32,
      echoWaitMs: dto.ECHO_WAIT_MS ?? 10_000,
      bridgeMaxAttempts: dto.CHAT_SERVER_MAX_ATTEMPTS ?? 60,
      retentionDays: dto.RETENTION_DAYS ?? 14,
      auditRetentionDays: dto.AUDIT_RETENTION_DAYS ?? 365,
    },
    queue: {
      noAgentMessage:
        dto.NO_AGENT_MESSAGE ??
        'No colleague is available right now. Your conversation stays in the queue and we will answer as soon as someone is back.',
      positionMessage: dto.QUEUE_POSITION_MESSAGE ?? 'You are number {position} in the queue.',
      timeoutMs: dto.QUEUE_TIMEOUT_MS ?? 10 * 60 * 1000,
      timeoutMessage: dto.QUEUE_TIMEOUT_MESSAGE ?? 'Sorry for the wait: all our colleagues are busy. You have not been forgotten.',
      noAgentFallback: (dto.NO_AGENT_FALLBACK ?? 'queue') as 'queue' | 'bot',
      businessHours,
      updateIntervalMs: dto.QUEUE_UPDATE_INTERVAL_MS ?? 15_000,
    },
    database: {
      ...parseDatabaseUrl(dto.DATABASE_URL ?? DEFAULTS.database),
      connectTimeoutMs: dto.DATABASE_CONNECT_TIMEOUT_MS ?? 30_000,
      poolSize: dto.DATABASE_POOL_SIZE ?? 30,
      sqliteSynchronous: dto.SQLITE_SYNCHRONOUS ?? 'NORMAL',
    },
    bot: {
      intentsFile: dto.BOT_INTENTS_FILE,
      timeoutMs: dto.BOT_TIMEOUT_MS ?? 5000,
      circuit: { failureThreshold: dto.BOT_CIRCUIT_FAILURES ?? 5, cooldownMs: dto.BOT_CIRCUIT_COOLDOWN_MS ?? 30_000 },
    },
    messenger: {
      // Off unless granted: Meta refuses the tag without the Human Agent permission (App Review).
      humanAgentTag: dto.MESSENGER_HUMAN_AGENT_TAG === 'true',
      sendRatePerPage: dto.SEND_RATE_PER_PAGE ?? 250,
      tokenCheckIntervalMs: dto.TOKEN_CHECK_INTERVAL_MS ?? 15 * 60 * 1000,
      subscriptionCheckIntervalMs: dto.SUBSCRIPTION_CHECK_INTERVAL_MS ?? 30 * 60 * 1000,
      autoSubscribe: dto.FACEBOOK_AUTO_SUBSCRIBE === 'true',
      appId: env.FACEBOOK_APP_ID,
      webhookSilenceMs: (dto.WEBHOOK_SILENCE_MINUTES ?? 30) * 60 * 1000,
      pageInboxHandoff: dto.PAGE_INBOX_HANDOFF === 'true',
    },
    agents: {
      adminApiKey: env.ADMIN_API_KEY ?? (localMode ? LOCAL_MODE_CREDENTIALS.adminApiKey : undefined),
      jwtSecret,
      jwtSecretGenerated: !env.AGENT_JWT_SECRET,
      jwtTtlSeconds: dto.AGENT_JWT_TTL ?? 3600,
      maxChatsPerAgent: dto.AGENT_MAX_CHATS ?? 3,
      graceMs: (dto.AGENT_GRACE_SECONDS ?? 60) * 1000,
      loginMaxFailures: dto.LOGIN_MAX_FAILURES ?? 5,
      loginWindowMs: 15 * 60 * 1000,
      bridge,
      chatServer:
        bridge === 'external'
          ? {
              url: env.CHAT_SERVER_URL as string,
              secret: env.CHAT_SERVER_SECRET as string,
              apiKey: env.CHAT_SERVER_API_KEY as string,
              retryBaseMs: dto.CHAT_SERVER_RETRY_BASE_MS ?? 1000,
              retryMaxMs: dto.CHAT_SERVER_RETRY_MAX_MS ?? 60_000,
              timeoutMs: dto.CHAT_SERVER_TIMEOUT_MS ?? 5000,
            }
          : undefined,
    },
    comments: { routingPolicy: dto.COMMENTS_ROUTING_POLICY as RoutingPolicy | undefined },
    media: {
      enabled: dto.MEDIA_STORE !== 'off',
      maxBytes: dto.MEDIA_MAX_BYTES ?? 25 * 1024 * 1024,
      directory: env.MEDIA_DIR ?? './data/media',
      s3: env.MEDIA_S3_BUCKET
        ? {
            bucket: env.MEDIA_S3_BUCKET,
            region: env.MEDIA_S3_REGION ?? 'us-east-1',
            endpoint: env.MEDIA_S3_ENDPOINT,
            forcePathStyle: env.MEDIA_S3_FORCE_PATH_STYLE === 'true',
            prefix: env.MEDIA_S3_PREFIX ?? 'ccm-media/',
          }
        : undefined,
      // Local mode fetches from the built-in double on 127.0.0.1; elsewhere private addresses are refused unless listed.
      allowPrivateHosts: [
        ...(localMode ? ['127.0.0.1', 'localhost'] : []),
        ...(env.MEDIA_ALLOW_PRIVATE_HOSTS ?? '')
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean),
      ],
      publicBaseUrl: env.MEDIA_PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      linkSecret: createHash('sha256')
        .update(
          `ccm-media-links:${env.MEDIA_LINK_SECRET ?? (localMode ? LOCAL_MODE_CREDENTIALS.appSecret : (env.FACEBOOK_APP_SECRET ?? ''))}`,
        )
        .digest('hex'),
    },
    operations: operationsConfig(dto, env, localMode),
    warnings,
    sections: sectionValues,
    sectionSecrets,
  };
  return config;
}

/** Metrics, logs, health, shutdown and edge hardening. */
function operationsConfig(dto: EnvironmentVariables, env: Env, localMode: boolean): OperationsConfig {
  const trust = dto.TRUST_PROXY?.trim();
  const trustProxy: OperationsConfig['trustProxy'] =
    trust === undefined ? false : /^\d+$/.test(trust) ? Number(trust) : trust.split(',').map((s) => s.trim());
  let bindAddress = dto.BIND_ADDRESS ?? '0.0.0.0';
  if (localMode) {
    // Local mode publishes its admin key: it listens on loopback unless told otherwise.
    bindAddress = dto.LOCAL_MODE_BIND ?? '127.0.0.1';
  }
  return {
    metricsToken: env.METRICS_TOKEN,
    logLevel: (dto.LOG_LEVEL ?? 'info') as LogLevel,
    logFormat: (dto.LOG_FORMAT ?? (localMode ? 'pretty' : 'json')) as 'json' | 'pretty',
    trustProxy,
    health: { databaseTimeoutMs: dto.HEALTH_DB_TIMEOUT_MS ?? 2000, maxBacklog: dto.HEALTH_MAX_BACKLOG ?? 10_000 },
    shutdownTimeoutMs: dto.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    requestTimeoutMs: dto.REQUEST_TIMEOUT_MS ?? 30_000,
    encryptionKey: env.CCM_ENCRYPTION_KEY ? decodeKey(env.CCM_ENCRYPTION_KEY) : undefined,
    bindAddress,
    loginMaxFailuresPerIp: dto.LOGIN_MAX_FAILURES_PER_IP ?? 20,
    loginMaxConcurrentHashes: dto.LOGIN_MAX_CONCURRENT_HASHES ?? 2,
  };
}

function decodeKey(raw: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
}
