import { Controller, Get } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { PersistenceService } from '@app/persistence';

/**
 * Liveness plus what an operator must act on: a Page whose token is invalid or that Meta blocked
 * makes the service `degraded` (its messages wait in the outbox), as do parked inbound events.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
  ) {}

  @Get()
  async health() {
    const pageStates = await this.persistence.repos.pageStates.list();
    const pages = pageStates.map((p) => ({
      pageId: p.page_id,
      status: p.blocked ? 'blocked' : p.token_status === 'invalid' ? 'token_invalid' : 'ok',
      reason: p.blocked ? p.block_reason : p.token_error,
    }));
    const journal = await this.persistence.repos.journal.countByStatus();
    const degraded = pages.some((p) => p.status !== 'ok') || (journal.dead ?? 0) > 0;
    return {
      status: degraded ? 'degraded' : 'ok',
      mode: this.config.localMode ? 'local' : 'live',
      graphApiVersion: this.config.graph.version,
      pages,
      inbound: { pending: journal.pending ?? 0, dead: journal.dead ?? 0 },
    };
  }
}
