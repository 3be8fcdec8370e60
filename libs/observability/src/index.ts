export { CcmMetrics, handoverReasonLabel, METRICS_PREFIX, webhookOutcomeOf } from './ccm-metrics.service';
export type {
  BotTurnOutcome,
  ConversationKey,
  LoginOutcome,
  MetricsCollector,
  SendApiOutcome,
  WebhookOutcome,
} from './ccm-metrics.service';
export { ObservabilityModule } from './observability.module';
export { measuredBot } from './measured-bot';
export { LifecycleState } from './lifecycle-state';
export { TimeoutError, withTimeout } from './with-timeout';
export { correlationIdOf, currentCorrelationId, runWithCorrelation } from './logging/correlation';
export { LOG_DESTINATION, LoggingModule } from './logging/logging.module';
export { configuredSecrets, pinoHttpOptions, redactUrl, requestIdOf, requestLogLevel, requestLogMessage } from './logging/logger-options';
export { writeRequestLine } from './logging/request-line';
export type { RequestLineFields } from './logging/request-line';
export { EventTrail } from './event-trail';
export type { TrailEvent } from './event-trail';
export { GracefulShutdown } from './graceful-shutdown';
export { observeClientErrors, trackRequestConnection, unansweredReason } from './logging/client-errors';
