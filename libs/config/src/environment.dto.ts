import { isIP } from 'node:net';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateBy } from 'class-validator';
import { ROUTING_POLICIES } from '@app/core';

/** Periodic checks run on timers: Node runs a timer longer than 2^31-1 ms (24.8 days) after 1 ms instead, so they are capped there. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A DNS host name (labels of letters, digits and inner hyphens), not all digits (that is a mistyped IPv4 address). */
const HOST_NAME = /^(?=.{1,253}\.?$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** An address a server can listen on: an IPv4 or IPv6 address, or a host name (`listen()` resolves it). */
function IsListenAddress(): PropertyDecorator {
  return ValidateBy({
    name: 'isListenAddress',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && (isIP(value) !== 0 || (HOST_NAME.test(value) && !/^[\d.]+$/.test(value))),
      defaultMessage: () => 'must be an IP address or host name to listen on, e.g. 0.0.0.0 (every interface), 127.0.0.1 or localhost',
    },
  });
}

/** BUSINESS_HOURS, and a Page's business hours set in Settings: "Mon-Fri 09:00-18:00 Europe/Berlin" (zone optional, UTC). */
export const BUSINESS_HOURS_PATTERN =
  /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat)(-(Sun|Mon|Tue|Wed|Thu|Fri|Sat))? ([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d( ([A-Za-z_]+\/[A-Za-z_/]+|UTC))?$/;

/**
 * The raw environment as class-validator sees it. Every variable is documented in `.env.example`.
 * Values are strings in the environment; `@Type` converts the numeric ones before validation.
 */
export class EnvironmentVariables {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/[^\s/]+(\/.*)?\/v\d+\.\d+\/?$/, {
    message: 'must be a base URL ending in a version, e.g. https://graph.facebook.com/v24.0',
  })
  FACEBOOK_GRAPH_API_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  FACEBOOK_VERIFY_TOKEN?: string;

  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'must be at least 8 characters (a Meta app secret is 32 hex characters)' })
  FACEBOOK_APP_SECRET?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  FACEBOOK_PAGE_ACCESS_TOKEN?: string;

  @IsOptional()
  @Matches(/^\d+$/, { message: 'must be the numeric Page id' })
  FACEBOOK_PAGE_ID?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  FACEBOOK_USERNAME?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  ERROR_MESSAGE_RESPONSE?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  HANDOVER_MESSAGE?: string;

  @IsOptional()
  @IsIn(ROUTING_POLICIES as string[], { message: `must be one of ${ROUTING_POLICIES.join(', ')}` })
  FB_ROUTING_POLICY?: string;

  @IsOptional()
  @Type(() => Number)
  @IsNumber({}, { message: 'must be a number between 0 and 1' })
  @Min(0)
  @Max(1)
  BOT_CONFIDENCE_THRESHOLD?: number;

  @IsOptional()
  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'must be sqlite:<file path> or postgres://user@host:port/db',
  })
  DATABASE_URL?: string;

  /** SQLite durability (issue 11): NORMAL (default, WAL) or FULL (fsync on every commit). */
  @IsOptional()
  @IsIn(['NORMAL', 'FULL'], { message: 'must be NORMAL or FULL' })
  SQLITE_SYNCHRONOUS?: 'NORMAL' | 'FULL';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120000)
  GRAPH_API_TIMEOUT_MS?: number;

  @IsOptional()
  @IsString()
  BOT_INTENTS_FILE?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  LOCAL_GRAPH_PORT?: number;

  @IsOptional()
  @IsIn(ROUTING_POLICIES as string[], { message: `must be one of ${ROUTING_POLICIES.join(', ')}` })
  COMMENTS_ROUTING_POLICY?: string;

  /** JSON array of Pages: [{"id":"…","accessToken":"…","name":"…","routingPolicy":"BOT_ONLY","commentsRoutingPolicy":"AGENT_ONLY"}]. */
  @IsOptional()
  @IsString()
  FACEBOOK_PAGES?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  MESSENGER_HUMAN_AGENT_TAG?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  FACEBOOK_ACCEPT_SHA1_SIGNATURE?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(600000)
  INBOUND_RETRY_BASE_MS?: number;
  // ---- agent desk and chat-server bridge (issue 7) ----

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  ADMIN_API_KEY?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  SEND_RATE_PER_PAGE?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600000)
  OUTBOX_RETRY_BASE_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600000)
  OUTBOX_RETRY_CAP_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  OUTBOX_MAX_ATTEMPTS?: number;

  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'must be redis://host:port' })
  REDIS_URL?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  LOW_CONFIDENCE_TURNS?: number;

  @IsOptional()
  @IsString()
  HANDOVER_PHRASES?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  HANDOVER_PAYLOAD?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  NO_AGENT_MESSAGE?: string;

  @IsOptional()
  @IsString()
  @Matches(/\{position\}/, { message: 'must contain {position}' })
  QUEUE_POSITION_MESSAGE?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  QUEUE_TIMEOUT_MS?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  QUEUE_TIMEOUT_MESSAGE?: string;

  @IsOptional()
  @IsIn(['queue', 'bot'], { message: 'must be queue or bot' })
  NO_AGENT_FALLBACK?: string;

  /** e.g. "Mon-Fri 09:00-18:00 Europe/Berlin" */
  @IsOptional()
  @Matches(BUSINESS_HOURS_PATTERN, { message: 'must look like "Mon-Fri 09:00-18:00 Europe/Berlin"' })
  BUSINESS_HOURS?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  QUEUE_UPDATE_INTERVAL_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_TIMER_MS)
  TOKEN_CHECK_INTERVAL_MS?: number;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  AGENT_JWT_SECRET?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86400)
  AGENT_JWT_TTL?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  AGENT_MAX_CHATS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86400)
  AGENT_GRACE_SECONDS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES?: number;

  @IsOptional()
  @IsIn(['embedded', 'external'], { message: 'must be one of embedded, external' })
  AGENT_BRIDGE?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  CHAT_SERVER_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  CHAT_SERVER_SECRET?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  CHAT_SERVER_API_KEY?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  CHAT_SERVER_RETRY_BASE_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  CHAT_SERVER_RETRY_MAX_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120000)
  CHAT_SERVER_TIMEOUT_MS?: number;
  // ---- bot connectors (docs/bot-connectors.md): what they share; each connector checks its own variables ----

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  BOT_TIMEOUT_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  BOT_CIRCUIT_FAILURES?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  BOT_CIRCUIT_COOLDOWN_MS?: number;

  // --- Operations (issue 13): metrics, logs, health, shutdown, hardening ---
  /** Bearer token required by GET /metrics (unset: /metrics is open, e.g. behind a private network). */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  METRICS_TOKEN?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], { message: 'must be one of fatal, error, warn, info, debug, trace' })
  LOG_LEVEL?: string;

  /** `json` (one JSON object per line) or `pretty` (human-readable; the default in local mode). */
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'must be json or pretty' })
  LOG_FORMAT?: string;

  /** Behind a reverse proxy: a hop count (e.g. `1`) or a comma-separated list of proxy addresses/CIDRs. Off when unset. */
  @IsOptional()
  @IsString()
  @Matches(/^(\d{1,2}|[0-9a-fA-F:.]+(\/\d{1,3})?(\s*,\s*[0-9a-fA-F:.]+(\/\d{1,3})?)*)$/, {
    message: 'must be a hop count (e.g. 1) or a comma-separated list of IP addresses or CIDRs (e.g. 10.0.0.0/8,127.0.0.1)',
  })
  TRUST_PROXY?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  HEALTH_DB_TIMEOUT_MS?: number;

  /** /health/ready answers 503 when more inbound events than this wait to be processed. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  HEALTH_MAX_BACKLOG?: number;

  /** On SIGTERM: how long in-flight work and the outbox may take before the process exits anyway. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS?: number;

  /** A request (headers and body) must be complete within this; slow clients are cut off. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  REQUEST_TIMEOUT_MS?: number;

  /** 32 bytes as 64 hex characters or base64: encrypts Page tokens set through the admin API. */
  @IsOptional()
  @IsString()
  @Matches(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=?)$/, { message: 'must be 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)' })
  CCM_ENCRYPTION_KEY?: string;

  /** Local mode listens on 127.0.0.1 only; set an address (e.g. 0.0.0.0) to expose it deliberately. */
  @IsOptional()
  @IsListenAddress()
  LOCAL_MODE_BIND?: string;

  /** Failed logins from one client address (any usernames) within the window before it is refused (429). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_MAX_FAILURES_PER_IP?: number;

  /** Password checks (scrypt) running at once, for the whole process; more wait their turn. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  LOGIN_MAX_CONCURRENT_HASHES?: number;

  /** Address to listen on outside local mode (default 0.0.0.0). */
  @IsOptional()
  @IsListenAddress()
  BIND_ADDRESS?: string;

  // ---- Meta platform breadth (issue 16) ----

  /** Sent before the bot's first answer and whenever a conversation returns to the bot (automated-experience disclosure). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1999, { message: 'must be at most 1999 characters (one Messenger text message)' })
  BOT_DISCLOSURE_MESSAGE?: string;

  /** The Instagram professional account linked to the single Page (FACEBOOK_PAGES entries use `instagramAccountId`). */
  @IsOptional()
  @Matches(/^\d+$/, { message: 'must be the numeric Instagram professional account id' })
  FACEBOOK_INSTAGRAM_ACCOUNT_ID?: string;

  /** The single Page's Messenger Profile as JSON in Meta's shape (FACEBOOK_PAGES entries use `messengerProfile`). */
  @IsOptional()
  @IsString()
  MESSENGER_PROFILE?: string;

  /** Subscription health: re-subscribe the app with the needed fields when they are missing. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  FACEBOOK_AUTO_SUBSCRIBE?: string;

  @IsOptional()
  @Matches(/^\d+$/, { message: 'must be the numeric app id (App Dashboard)' })
  FACEBOOK_APP_ID?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_TIMER_MS)
  SUBSCRIPTION_CHECK_INTERVAL_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10080)
  WEBHOOK_SILENCE_MINUTES?: number;

  /** Conversation Routing: pass the thread to the Page inbox when a conversation is handed over to people. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  PAGE_INBOX_HANDOFF?: string;

  /** Media store: `on` (default) downloads inbound attachments into ccm's storage; `off` keeps Meta's URLs only. */
  @IsOptional()
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  MEDIA_STORE?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  MEDIA_MAX_BYTES?: number;

  @IsOptional()
  @IsString()
  MEDIA_DIR?: string;

  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name' })
  MEDIA_S3_BUCKET?: string;

  @IsOptional()
  @IsString()
  MEDIA_S3_REGION?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL (an S3-compatible endpoint)' })
  MEDIA_S3_ENDPOINT?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  MEDIA_S3_FORCE_PATH_STYLE?: string;

  @IsOptional()
  @IsString()
  MEDIA_S3_PREFIX?: string;

  /** Comma-separated hosts allowed to resolve to private addresses (and to use plain http), e.g. a test double. */
  @IsOptional()
  @IsString()
  MEDIA_ALLOW_PRIVATE_HOSTS?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL, e.g. https://ccm.example.com' })
  MEDIA_PUBLIC_BASE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  MEDIA_LINK_SECRET?: string;

  // ---- startup (issue 15) ----

  /** How long ccm retries an unreachable PostgreSQL at startup before giving up (0: one attempt). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  DATABASE_CONNECT_TIMEOUT_MS?: number;

  /** PostgreSQL connections per instance (default 30): every instance × this must stay under the server's max_connections. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(500)
  DATABASE_POOL_SIZE?: number;

  // ---- durable work (issue 11) ----------------------------------------------------------------
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  WORK_LEASE_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  INBOUND_CONCURRENCY?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  OUTBOX_CONCURRENCY?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  ECHO_WAIT_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  CHAT_SERVER_MAX_ATTEMPTS?: number;

  /** At least 2 days: Meta redelivers a webhook for up to 36 hours, and the journal's dedupe keys must outlive that. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(3650)
  RETENTION_DAYS?: number;

  /** Admin audit rows are kept this long (default a year). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36500)
  AUDIT_RETENTION_DAYS?: number;
}

/** Variables whose values must never be echoed in an error or a log line. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'FACEBOOK_APP_SECRET',
  'FACEBOOK_PAGE_ACCESS_TOKEN',
  'FACEBOOK_VERIFY_TOKEN',
  'DATABASE_URL',
  'FACEBOOK_PAGES',
  'ADMIN_API_KEY',
  'AGENT_JWT_SECRET',
  'CHAT_SERVER_SECRET',
  'CHAT_SERVER_API_KEY',
  'MEDIA_LINK_SECRET',
  'METRICS_TOKEN',
  'CCM_ENCRYPTION_KEY',
]);
