import { Controller, Get, Headers, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { CcmConfig } from '@app/config';
import { CcmMetrics } from './ccm-metrics.service';

/**
 * `GET /metrics` (path set by PrometheusModule): this app's registry, not prom-client's global one.
 * With METRICS_TOKEN set, the scraper must send `Authorization: Bearer <token>`.
 */
@Controller()
@ApiExcludeController()
export class MetricsController extends PrometheusController {
  constructor(
    private readonly metrics: CcmMetrics,
    private readonly config: CcmConfig,
  ) {
    super();
  }

  @Get()
  override async index(
    @Res({ passthrough: true }) response: FastifyReply,
    @Headers('authorization') authorization?: string,
  ): Promise<string> {
    const token = this.config.operations.metricsToken;
    if (token !== undefined && !bearerMatches(authorization, token)) {
      response.header('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedException('METRICS_TOKEN required: send Authorization: Bearer <token>');
    }
    response.header('Content-Type', this.metrics.contentType);
    return this.metrics.scrape();
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
