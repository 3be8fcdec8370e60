import { RoutingPolicy } from '@app/core';

/** A Facebook Page this deployment answers for. */
export interface PageConfig {
  /** Numeric Page id; undefined in single-page mode without FACEBOOK_PAGE_ID (any page id is accepted). */
  pageId?: string;
  accessToken: string;
  /** Business name shown as the sender in transcripts. */
  displayName: string;
  routingPolicy: RoutingPolicy;
  /** The Instagram professional account linked to this Page (Instagram channel: its DMs are answered with this Page's token). */
  instagramAccountId?: string;
  /**
   * The Messenger Profile (Get Started, greeting, ice breakers, persistent menu) in Meta's shape, applied
   * at startup when it differs from what was last applied; validated by the Messenger module. Where it
   * came from, for error messages: `MESSENGER_PROFILE` or `FACEBOOK_PAGES[i].messengerProfile`.
   */
  messengerProfile?: { readonly source: string; readonly value: Record<string, unknown> };
  /** Policy for this Page's comments (Page comments channel); undefined: COMMENTS_ROUTING_POLICY, then `routingPolicy`. */
  commentsRoutingPolicy?: RoutingPolicy;
}

export interface DatabaseConfig {
  dialect: 'sqlite' | 'postgres';
  /** File path for SQLite, connection string for PostgreSQL. */
  url: string;
  /** PostgreSQL: how long startup retries an unreachable server before giving up (0: one attempt). */
  connectTimeoutMs?: number;
  /** PostgreSQL: connections per instance (intake, turns, sends and claims run concurrently, each on its own). */
  poolSize?: number;
  /** SQLite: NORMAL (WAL; survives a process crash) or FULL (also survives an OS crash/power loss; slower). */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
}

/** The agent side: the embedded desk (auth, routing) and the bridge to an external chat server. */
export interface AgentDeskConfig {
  /** `x-admin-key` for the admin API; undefined disables the admin API. */
  readonly adminApiKey?: string;
  readonly jwtSecret: string;
  /** AGENT_JWT_SECRET was unset and a random one is used (fine for one process, not for several). */
  readonly jwtSecretGenerated: boolean;
  readonly jwtTtlSeconds: number;
  /** Concurrency limit: push routing never gives an agent more active chats than this. */
  readonly maxChatsPerAgent: number;
  /** How long an away/disconnected agent keeps their conversations before they go back to the queue. */
  readonly graceMs: number;
  /** Failed logins per username+IP allowed within the window before further attempts are refused. */
  readonly loginMaxFailures: number;
  readonly loginWindowMs: number;
  /** `embedded`: ccm's own desk takes hand-overs. `external`: they are posted to CHAT_SERVER_URL. */
  readonly bridge: 'embedded' | 'external';
  readonly chatServer?: {
    readonly url: string;
    readonly secret: string;
    readonly apiKey: string;
    readonly retryBaseMs: number;
    readonly retryMaxMs: number;
    readonly timeoutMs: number;
  };
}

/**
 * What every bot connector shares (docs/bot-connectors.md): the intents file and how a remote bot is
 * guarded. Which connector runs (BOT_CONNECTOR) and its own variables are read by the connectors
 * themselves, as a config section (`libs/bot`).
 */
export interface BotConfig {
  /** The embedded bot's intents; its fallback is also the remote bots' default fallback. */
  readonly intentsFile?: string;
  /** Deadline of one remote bot turn (all its HTTP calls). */
  readonly timeoutMs: number;
  /** Consecutive failures that open the circuit, and how long it stays open before a trial call. */
  readonly circuit: { readonly failureThreshold: number; readonly cooldownMs: number };
}

/**
 * The one typed configuration object. It is built once from the environment by `loadCcmConfig`
 * and injected wherever configuration is needed (inject the `CcmConfig` class as the token).
 */
export abstract class CcmConfig {
  abstract readonly port: number;
  /** Local mode: the port of the Messenger simulator (the Graph API double plus its customer page). */
  abstract readonly localGraphPort: number;
  /** No Facebook credentials were configured: ccm talks to the built-in Graph API double. */
  abstract readonly localMode: boolean;
  abstract readonly graph: {
    readonly baseUrl: string;
    readonly version: string;
    readonly timeoutMs: number;
    readonly appSecret: string;
  };
  abstract readonly webhook: {
    readonly verifyToken: string;
    /** Also accept the legacy `X-Hub-Signature: sha1=…` header (off unless explicitly enabled). */
    readonly acceptSha1: boolean;
    /** First retry delay of a failing inbound event (doubles per attempt, 5 attempts, then dead). */
    readonly retryBaseMs: number;
  };
  abstract readonly pages: readonly PageConfig[];
  abstract readonly messages: {
    readonly error: string;
    readonly handover: string;
    /** Told before the bot's first answer and again whenever a conversation comes back to the bot (undefined: never). */
    readonly botDisclosure?: string;
  };
  abstract readonly routing: {
    readonly defaultPolicy: RoutingPolicy;
    readonly confidenceThreshold: number;
    /** Hand over after this many consecutive low-confidence bot turns (DEFAULT policy). */
    readonly lowConfidenceTurns: number;
    /** Customer phrases that ask for a person (whole-word match, case-insensitive). */
    readonly handoverPhrases: readonly string[];
    /** A postback / quick-reply payload that asks for a person. */
    readonly handoverPayload: string;
  };
  /** Realtime fan-out to agent desks across instances (Redis pub/sub); in-process when unset. */
  abstract readonly realtime: { readonly redisUrl?: string };
  /** The agent queue as the customer experiences it. */
  abstract readonly queue: {
    /** Told when nobody can take the conversation now (no agent available, or outside business hours). */
    readonly noAgentMessage: string;
    /** `{position}` is replaced; sent when the position improves. */
    readonly positionMessage: string;
    /** After this long in the queue the customer is told once (0 = never). */
    readonly timeoutMs: number;
    readonly timeoutMessage: string;
    /** With no agent available: keep the conversation queued (`queue`) or let the bot answer (`bot`). */
    readonly noAgentFallback: 'queue' | 'bot';
    /** Business hours per weekday (0 = Sunday) in minutes since midnight, in `timeZone`; undefined = always open. */
    readonly businessHours?: { readonly days: readonly number[]; readonly from: number; readonly to: number; readonly timeZone: string };
    readonly updateIntervalMs: number;
  };
  abstract readonly database: DatabaseConfig;
  abstract readonly bot: BotConfig;
  abstract readonly messenger: {
    /** Agent replies after 24 h go tagged HUMAN_AGENT (needs Meta's Human Agent permission; off by default). */
    readonly humanAgentTag: boolean;
    /** Send API calls per second per Page (Meta allows 300/s for text). */
    readonly sendRatePerPage: number;
    /** How often every Page token is checked with GET /me (0 = never). */
    readonly tokenCheckIntervalMs: number;
    /** Subscription health: how often `GET /{page-id}/subscribed_apps` is checked (0 = never; also at startup). */
    readonly subscriptionCheckIntervalMs: number;
    /** Re-subscribe the app with the needed fields when the check finds them missing (FACEBOOK_AUTO_SUBSCRIBE). */
    readonly autoSubscribe: boolean;
    /** Our app's id, to find it among the Page's subscribed apps (FACEBOOK_APP_ID; without it the first listed app is ours). */
    readonly appId?: string;
    /** Warn when a Page sends no webhook for this long although customers were active just before (0 = never). */
    readonly webhookSilenceMs: number;
    /** Conversation Routing: hand-overs to people pass the thread to the Page inbox (Meta Business Suite) (PAGE_INBOX_HANDOFF). */
    readonly pageInboxHandoff: boolean;
  };
  /** Retries of transient send failures: capped exponential backoff with jitter. */
  abstract readonly outbox: { readonly retryBaseMs: number; readonly retryCapMs: number; readonly maxAttempts: number };
  /** Durable work (issue 11): the leases, worker pools and retention of the journal, outbox and bridge. */
  abstract readonly work: {
    /** How long a claim on one unit of work lasts (renewed while it runs; taken over after a crash). */
    readonly leaseMs: number;
    /** Conversations processed at once per instance (a slow bot turn holds one slot, not the rest). */
    readonly inboundConcurrency: number;
    /** Sends in flight at once per instance. */
    readonly outboxConcurrency: number;
    /** Before resending a send interrupted by a crash, how long to wait for Meta's echo of it (0: resend at once). */
    readonly echoWaitMs: number;
    /** Chat-server bridge events are parked as dead after this many failed attempts. */
    readonly bridgeMaxAttempts: number;
    /** Finished inbound events and delivered bridge events are deleted after this many days (≥ 2: longer than Meta's redelivery window). */
    readonly retentionDays: number;
    /** Days admin audit rows are kept. */
    readonly auditRetentionDays: number;
  };
  abstract readonly agents: AgentDeskConfig;
  /** Page comments channel: the policy for comments of Pages without their own `commentsRoutingPolicy` (undefined: the Page's policy). */
  abstract readonly comments: { readonly routingPolicy?: RoutingPolicy };
  /** Media store (issue 16): inbound attachments are downloaded and served from ccm's copy. */
  abstract readonly media: {
    readonly enabled: boolean;
    /** Largest download (Meta's own limit for any asset is 25 MB). */
    readonly maxBytes: number;
    /** Local directory driver (default). */
    readonly directory: string;
    /** S3-compatible driver when a bucket is set. */
    readonly s3?: {
      readonly bucket: string;
      readonly region: string;
      readonly endpoint?: string;
      readonly forcePathStyle: boolean;
      readonly prefix: string;
    };
    /** Hosts that may resolve to private/loopback addresses and be fetched over plain http (tests, local mode). */
    readonly allowPrivateHosts: readonly string[];
    /** Prefix of the links ccm hands out (e.g. https://ccm.example.com); relative `/media/…` when unset. */
    readonly publicBaseUrl?: string;
    /** Key of the links' HMAC (derived from the app secret: stable across instances). */
    readonly linkSecret: string;
  };
  /** Metrics, logs, health, shutdown and edge hardening (docs/operations.md). */
  abstract readonly operations: OperationsConfig;
  /** Things worth a warning at startup (never containing secret values). */
  abstract readonly warnings: readonly string[];
  /** What each config section read (by section name; see `ConfigSection`, read with `sectionOf`). */
  abstract readonly sections: Readonly<Record<string, unknown>>;
  /** Secret values the sections read (cut out of log lines like every other configured secret). */
  abstract readonly sectionSecrets: readonly string[];
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface OperationsConfig {
  /** Bearer token GET /metrics requires; undefined: open. */
  readonly metricsToken?: string;
  readonly logLevel: LogLevel;
  readonly logFormat: 'json' | 'pretty';
  /** Fastify's trustProxy: false (default), a hop count, or proxy addresses/CIDRs. */
  readonly trustProxy: false | number | readonly string[];
  readonly health: { readonly databaseTimeoutMs: number; readonly maxBacklog: number };
  readonly shutdownTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** 32-byte key for Page tokens stored through the admin API; undefined: such tokens cannot be stored. */
  readonly encryptionKey?: Buffer;
  /** Where the HTTP server listens. */
  readonly bindAddress: string;
  /** Login limits beside the per-username one (AGENT_*): per client address, and password checks at once. */
  readonly loginMaxFailuresPerIp: number;
  readonly loginMaxConcurrentHashes: number;
}
