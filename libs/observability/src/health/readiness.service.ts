import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { sql } from 'kysely';
import { CcmConfig } from '@app/config';
import { PersistenceService } from '@app/persistence';
import { LifecycleState } from '../lifecycle-state';
import { withTimeout } from '../with-timeout';

/**
 * The checks behind `/health/ready`, each a terminus indicator: the database answers within
 * HEALTH_DB_TIMEOUT_MS, Redis answers (when configured), at least one Page can be served (each
 * Page's token/block state is reported), the intake backlog is under HEALTH_MAX_BACKLOG, and the
 * instance is not shutting down.
 */
@Injectable()
export class ReadinessService implements OnApplicationShutdown {
  private redis?: Redis;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly persistence: PersistenceService,
    private readonly config: CcmConfig,
    private readonly lifecycle: LifecycleState,
  ) {}

  private get timeoutMs(): number {
    return this.config.operations.health.databaseTimeoutMs;
  }

  async database(): Promise<HealthIndicatorResult<'database'>> {
    const check = this.indicators.check('database');
    const started = Date.now();
    try {
      await withTimeout(sql`select 1`.execute(this.persistence.db), this.timeoutMs, 'database');
      return check.up({ dialect: this.persistence.dialect, latencyMs: Date.now() - started });
    } catch (error) {
      return check.down({ dialect: this.persistence.dialect, message: messageOf(error) });
    }
  }

  async redisCheck(): Promise<HealthIndicatorResult<'redis'>> {
    const check = this.indicators.check('redis');
    const url = this.config.realtime.redisUrl;
    if (!url) return check.up({ configured: false });
    this.redis ??= new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.timeoutMs,
    });
    this.redis.on('error', () => undefined); // reported by the check, not as an unhandled event
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await withTimeout(this.redis.connect(), this.timeoutMs, 'redis');
      await withTimeout(this.redis.ping(), this.timeoutMs, 'redis');
      return check.up({ configured: true });
    } catch (error) {
      return check.down({ configured: true, message: messageOf(error) });
    }
  }

  /**
   * Every Page's token and block state. A Page with an invalid token keeps its messages queued (and
   * webhooks are still taken in), so one bad Page does not make the instance unready; no servable
   * Page at all does.
   */
  async pages(): Promise<HealthIndicatorResult<'pages'>> {
    const check = this.indicators.check('pages');
    try {
      const states = new Map(
        (await withTimeout(this.persistence.repos.pageStates.list(), this.timeoutMs, 'database')).map((s) => [s.page_id, s]),
      );
      const pages = this.config.pages
        .filter((p) => p.pageId)
        .map((p) => {
          const s = states.get(p.pageId!);
          return { pageId: p.pageId!, status: s?.blocked ? 'blocked' : s?.token_status === 'invalid' ? 'token_invalid' : 'ok' };
        });
      const servable = pages.length === 0 || pages.some((p) => p.status === 'ok');
      return servable ? check.up({ pages }) : check.down({ pages, message: 'no Page can be served (invalid tokens or blocked)' });
    } catch (error) {
      return check.down({ message: messageOf(error) });
    }
  }

  async backlog(): Promise<HealthIndicatorResult<'intake'>> {
    const check = this.indicators.check('intake');
    const max = this.config.operations.health.maxBacklog;
    try {
      const counts = await withTimeout(this.persistence.repos.journal.backlog(), this.timeoutMs, 'database');
      const { pending } = counts;
      return pending <= max
        ? check.up({ pending, max })
        : check.down({ pending, max, message: `${pending} events wait (more than ${max})` });
    } catch (error) {
      return check.down({ message: messageOf(error) });
    }
  }

  lifecycleCheck(): HealthIndicatorResult<'lifecycle'> {
    const check = this.indicators.check('lifecycle');
    return this.lifecycle.draining ? check.down({ message: 'shutting down' }) : check.up();
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
