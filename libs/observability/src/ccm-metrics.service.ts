import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRICS_PREFIX = 'ccm_';

export type WebhookOutcome = 'accepted' | 'bad_signature' | 'too_large' | 'malformed' | 'unavailable';
export type SendApiOutcome = 'ok' | 'meta_error' | 'network_error';
export type BotTurnOutcome = 'ok' | 'error';
export type LoginOutcome = 'success' | 'invalid' | 'rate_limited';

/** What the processing-latency clock needs to know about an event or a reply. */
export interface ConversationKey {
  channel: string;
  pageId: string;
  customerId?: string | null;
}

/** Runs before each scrape to refresh gauges read from elsewhere (database, circuit breakers). */
export type MetricsCollector = () => Promise<void> | void;

/** At most this many conversations wait for their first reply in the latency clock (oldest dropped). */
const LATENCY_CLOCK_CAPACITY = 10_000;

/**
 * ccm's metrics, with one typed method per thing that happens. Every app instance has its own
 * registry (tests run several apps in one process); `/metrics` serves it in Prometheus text format.
 * Other areas call one method (`metrics.sendApiCall('ok')`), never prom-client directly, so names,
 * labels and buckets are decided here once.
 */
@Injectable()
export class CcmMetrics {
  readonly registry = new Registry();
  private readonly collectors: MetricsCollector[] = [];
  /** conversation → when its oldest unanswered customer event reached the webhook (this instance). */
  private readonly awaitingReply = new Map<string, number>();

  /**
   * The webhook's per-request and per-event counts, kept as plain numbers and added to their counters
   * when the registry is read (a scrape): prom-client's `inc` with labels hashes the label set on
   * every call, a few µs per webhook on the one high-volume route. Same figures at every scrape.
   */
  private readonly pendingRequests = new Map<WebhookOutcome, number>();
  private readonly pendingEvents = new Map<string, Map<string, number>>();
  private readonly webhookRequests = this.counter('webhook_requests_total', 'Webhook POSTs by outcome', ['outcome'], () => {
    for (const [outcome, n] of this.pendingRequests) this.webhookRequests.inc({ outcome }, n);
    this.pendingRequests.clear();
  });
  private readonly webhookEvents = this.counter(
    'webhook_events_total',
    'Events received in webhooks, by channel and kind',
    ['channel', 'kind'],
    () => {
      for (const [channel, kinds] of this.pendingEvents) for (const [kind, n] of kinds) this.webhookEvents.inc({ channel, kind }, n);
      this.pendingEvents.clear();
    },
  );
  private readonly duplicates = this.counter('webhook_duplicates_total', 'Events dropped because they were already received', []);
  private readonly processingLatency = new Histogram({
    name: `${METRICS_PREFIX}processing_latency_seconds`,
    help: 'From the webhook that brought a customer event to the first reply handed to Meta',
    labelNames: ['channel'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly sendApiCalls = this.counter('send_api_calls_total', 'Send API calls by outcome and Meta error code', [
    'outcome',
    'code',
  ]);
  private readonly outboxRetries = this.counter('outbox_retries_total', 'Outbound sends scheduled for another attempt', [
    'channel',
    'code',
  ]);
  private readonly outboxFailures = this.counter('outbox_failures_total', 'Outbound messages given up (failed permanently)', [
    'channel',
    'code',
  ]);
  private readonly windowRefusals = this.counter('window_refusals_total', 'Outbound messages refused by the messaging window', ['channel']);
  private readonly handovers = this.counter('handovers_total', 'Conversations handed to a person, by reason', ['reason']);
  private readonly botLatency = new Histogram({
    name: `${METRICS_PREFIX}bot_latency_seconds`,
    help: 'Time a bot connector took for one turn',
    labelNames: ['connector', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly botConfidence = new Histogram({
    name: `${METRICS_PREFIX}bot_confidence`,
    help: 'Confidence of the bot in its answers (0..1)',
    labelNames: ['connector'],
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    registers: [this.registry],
  });

  // Gauges refreshed at scrape time by collectors (see OperationalGauges).
  readonly outboxDepth = this.gauge('outbox_depth', 'Outbound messages waiting to be sent, per Page', ['page_id']);
  readonly outboxOldestAge = this.gauge('outbox_oldest_age_seconds', 'Age of the oldest waiting outbound message, per Page', ['page_id']);
  readonly tokenValid = this.gauge('page_token_valid', '1 when the Page token works, 0 when Meta refused it (sends paused)', ['page_id']);
  readonly subscriptionOk = this.gauge(
    'page_subscription_ok',
    '1 when the app is subscribed to the Page with the needed webhook fields, 0 when not',
    ['page_id'],
  );
  readonly pageBlocked = this.gauge('page_blocked', '1 when Meta blocked the Page (sends stopped)', ['page_id']);
  readonly intakeBacklog = this.gauge('intake_backlog_events', 'Received events not yet processed', []);
  readonly intakeLag = this.gauge('intake_lag_seconds', 'Age of the oldest received event not yet processed', []);
  readonly inboundDead = this.gauge('inbound_dead_events', 'Events parked after repeated failures (replayable by an admin)', []);
  readonly queueLength = this.gauge('queue_length', 'Conversations waiting for an agent', []);
  readonly queueOldestWait = this.gauge('queue_oldest_wait_seconds', 'How long the longest-waiting queued conversation has waited', []);
  readonly agentsOnline = this.gauge('agents_online', 'Agents with the desk open, by status', ['status']);
  readonly circuitState = this.gauge('bot_circuit_state', 'Bot circuit breaker: 0 closed, 1 half-open, 2 open', ['connector']);
  private readonly logins = this.counter('logins_total', 'Agent password logins by outcome', ['outcome']);
  private readonly passwordChecks = this.counter(
    'password_checks_total',
    'Password hashes computed for logins (scrypt; at most LOGIN_MAX_CONCURRENT_HASHES at once)',
    [],
  );
  readonly collectErrors = this.counter('metrics_collect_errors_total', 'Scrapes whose gauges could not all be refreshed', []);

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
  }

  // --- Webhook intake ---

  webhookRequest(outcome: WebhookOutcome): void {
    this.pendingRequests.set(outcome, (this.pendingRequests.get(outcome) ?? 0) + 1);
  }

  /** Events of one accepted webhook; `duplicates` of them were already known. */
  eventsReceived(events: readonly (ConversationKey & { kind: string })[], duplicates: number, receivedAt = Date.now()): void {
    for (const event of events) {
      let kinds = this.pendingEvents.get(event.channel);
      if (!kinds) this.pendingEvents.set(event.channel, (kinds = new Map()));
      kinds.set(event.kind, (kinds.get(event.kind) ?? 0) + 1);
      if (event.kind === 'message' && event.customerId) {
        const key = keyOf(event);
        if (!this.awaitingReply.has(key)) {
          if (this.awaitingReply.size >= LATENCY_CLOCK_CAPACITY) this.awaitingReply.delete(this.awaitingReply.keys().next().value!);
          this.awaitingReply.set(key, receivedAt);
        }
      }
    }
    if (duplicates > 0) this.duplicates.inc(duplicates);
  }

  // --- Outbound ---

  /** A message was handed to Meta: closes the processing-latency clock of its conversation. */
  replySent(target: ConversationKey, now = Date.now()): void {
    const key = keyOf(target);
    const since = this.awaitingReply.get(key);
    if (since === undefined) return;
    this.awaitingReply.delete(key);
    this.processingLatency.observe({ channel: target.channel }, Math.max(0, now - since) / 1000);
  }

  sendApiCall(outcome: SendApiOutcome, code?: number | string): void {
    this.sendApiCalls.inc({ outcome, code: code === undefined ? '' : String(code) });
  }

  outboxRetry(channel: string, code?: number | string): void {
    this.outboxRetries.inc({ channel, code: code === undefined ? '' : String(code) });
  }

  outboxFailure(channel: string, code?: number | string): void {
    this.outboxFailures.inc({ channel, code: code === undefined ? '' : String(code) });
    if (code === 'OUTSIDE_WINDOW') this.windowRefusals.inc({ channel });
  }

  // --- Routing and bot ---

  handover(reason: string): void {
    this.handovers.inc({ reason: handoverReasonLabel(reason) });
  }

  botTurn(connector: string, seconds: number, outcome: BotTurnOutcome, confidence?: number): void {
    this.botLatency.observe({ connector, outcome }, seconds);
    if (confidence !== undefined && Number.isFinite(confidence)) this.botConfidence.observe({ connector }, confidence);
  }

  // --- Agent logins ---

  login(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  passwordCheck(): void {
    this.passwordChecks.inc();
  }

  // --- Exposition ---

  addCollector(collector: MetricsCollector): void {
    this.collectors.push(collector);
  }

  /** The Prometheus text exposition, after every collector refreshed its gauges. */
  async scrape(): Promise<string> {
    const results = await Promise.allSettled(this.collectors.map(async (collect) => collect()));
    if (results.some((r) => r.status === 'rejected')) this.collectErrors.inc();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** `collect`: runs whenever the counter is read (scrape), before its values are taken. */
  private counter<L extends string>(name: string, help: string, labelNames: L[], collect?: () => void): Counter<L> {
    return new Counter({ name: `${METRICS_PREFIX}${name}`, help, labelNames, registers: [this.registry], ...(collect && { collect }) });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return new Gauge({ name: `${METRICS_PREFIX}${name}`, help, labelNames, registers: [this.registry] });
  }
}

/** The webhook outcome an HTTP status of `POST /ccm/webhook` stands for. */
export function webhookOutcomeOf(status: number): WebhookOutcome {
  if (status < 300) return 'accepted';
  if (status === 401 || status === 403) return 'bad_signature';
  if (status === 413) return 'too_large';
  if (status >= 500) return 'unavailable';
  return 'malformed';
}

function keyOf(k: ConversationKey): string {
  return `${k.channel}|${k.pageId}|${k.customerId ?? ''}`;
}

/**
 * Hand-over reasons are sentences (they are shown to agents); the metric gets a small fixed set of
 * label values so its cardinality stays bounded.
 */
export function handoverReasonLabel(reason: string): string {
  const r = reason.toLowerCase();
  if (r.startsWith('agent_only')) return 'policy';
  if (r.startsWith('bot failed')) return 'bot_failure';
  if (r.startsWith('bot requested')) return 'bot_request';
  if (r.startsWith('low confidence')) return 'low_confidence';
  if (r.startsWith('customer asked')) return 'customer_request';
  return 'other';
}
