import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { CcmMetrics } from './ccm-metrics.service';
import { MetricsController } from './metrics.controller';
import { OperationalGauges } from './operational-gauges';

/**
 * Metrics for every module (global `CcmMetrics`) and `GET /metrics`. prom-client's default metrics
 * go into ccm's own registry (see CcmMetrics), not the process-global one.
 */
@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: false } })],
  providers: [CcmMetrics, OperationalGauges],
  exports: [CcmMetrics],
})
export class ObservabilityModule {}
