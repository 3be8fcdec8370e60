import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CcmConfig } from '@app/config';
import { PersistenceService } from '@app/persistence';
import { withTimeout } from '../with-timeout';
import { ReadinessService } from './readiness.service';

/**
 * `/health/live`: the process answers (restart it when this fails). `/health/ready`: this instance
 * can take traffic now (503 otherwise; the body says which check failed). `/health`: what an
 * operator must act on — a Page whose token is invalid or that Meta blocked makes the service
 * `degraded` (its messages wait in the outbox), as do parked inbound events. None of them hangs:
 * every database read has HEALTH_DB_TIMEOUT_MS.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessService,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and answering' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database, Redis, Pages, intake backlog, not shutting down (503 when not ready)' })
  ready() {
    return this.health.check([
      () => this.readiness.lifecycleCheck(),
      () => this.readiness.database(),
      () => this.readiness.redisCheck(),
      () => this.readiness.pages(),
      () => this.readiness.backlog(),
    ]);
  }

  @Get()
  @ApiOperation({ summary: 'Detailed status: Pages, inbound backlog and dead events, mode, Graph API version' })
  async detailed() {
    const timeoutMs = this.config.operations.health.databaseTimeoutMs;
    let pageStates, journal;
    try {
      [pageStates, journal] = await withTimeout(
        Promise.all([this.persistence.repos.pageStates.list(), this.persistence.repos.journal.backlog()]),
        timeoutMs,
        'database',
      );
    } catch (error) {
      throw new ServiceUnavailableException({
        status: 'unavailable',
        database: error instanceof Error ? error.message : String(error),
      });
    }
    const pages = pageStates.map((p) => ({
      pageId: p.page_id,
      status: p.blocked
        ? 'blocked'
        : p.token_status === 'invalid'
          ? 'token_invalid'
          : p.subscription_status === 'missing'
            ? 'subscription_missing'
            : 'ok',
      reason: p.blocked ? p.block_reason : p.token_status === 'invalid' ? p.token_error : p.subscription_problem,
    }));
    const degraded = pages.some((p) => p.status !== 'ok') || journal.dead > 0;
    return {
      status: degraded ? 'degraded' : 'ok',
      mode: this.config.localMode ? 'local' : 'live',
      graphApiVersion: this.config.graph.version,
      pages,
      inbound: { pending: journal.pending, dead: journal.dead },
    };
  }
}
