import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { CcmMetrics } from './ccm-metrics.service';
import { EventTrail } from './event-trail';
import { GracefulShutdown } from './graceful-shutdown';
import { MetricsController } from './metrics.controller';
import { OperationalGauges } from './operational-gauges';
import { HealthModule } from './health/health.module';
import { LifecycleState } from './lifecycle-state';
import { LoggingModule } from './logging/logging.module';

/**
 * Metrics for every module (global `CcmMetrics`) and `GET /metrics`; health (`/health`, `/health/live`,
 * `/health/ready`); the instance's lifecycle state (draining on shutdown). prom-client's default metrics
 * go into ccm's own registry (see CcmMetrics), not the process-global one.
 */
@Global()
@Module({
  imports: [
    PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: false } }),
    HealthModule,
    LoggingModule,
  ],
  providers: [CcmMetrics, OperationalGauges, LifecycleState, EventTrail, GracefulShutdown],
  exports: [CcmMetrics, LifecycleState, EventTrail, GracefulShutdown],
})
export class ObservabilityModule {}
