import { Injectable, Logger } from '@nestjs/common';
import { sql } from 'kysely';
import { CcmConfig } from '@app/config';
import { PersistenceService } from '@app/persistence';
import { LifecycleState } from './lifecycle-state';

const POLL_MS = 50;

/**
 * The first half of a graceful stop (SIGTERM), before the app closes: new webhooks are refused with
 * 503 (Meta delivers them again), readiness turns 503, and the work already accepted — inbound
 * events due now and outbound messages due now — gets up to SHUTDOWN_TIMEOUT_MS to be done. What is
 * still left then stays in the database for the next start (or another instance). The app's own
 * shutdown hooks then stop the loops after their in-flight work and close the connections.
 */
@Injectable()
export class GracefulShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly lifecycle: LifecycleState,
    private readonly persistence: PersistenceService,
    private readonly config: CcmConfig,
  ) {}

  async drain(timeoutMs = this.config.operations.shutdownTimeoutMs): Promise<{ flushed: boolean; left: number }> {
    this.lifecycle.beginDrain();
    const deadline = Date.now() + timeoutMs;
    let left = await this.dueWork().catch(() => -1);
    this.logger.log(`draining: new webhooks get 503; up to ${timeoutMs} ms for ${left < 0 ? 'the' : left} due events and messages`);
    while (left !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      left = await this.dueWork().catch(() => -1);
    }
    if (left === 0) this.logger.log('drained: no due inbound events or outbound messages left');
    else this.logger.warn(`shutdown timeout: ${left < 0 ? 'unknown' : left} due items left in the database for the next start`);
    return { flushed: left === 0, left };
  }

  /** Inbound events and outbound messages that are due now (or being worked on). */
  private async dueWork(now = Date.now()): Promise<number> {
    const db = this.persistence.db;
    const [events, messages] = await Promise.all([
      db
        .selectFrom('inbound_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', sql.lit('pending')) // (literals: the partial indexes of waiting rows, migration 0397)
        .where('next_attempt_at', '<=', now)
        .executeTakeFirst(),
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('direction', '=', sql.lit('out'))
        .where('status', '=', sql.lit('queued'))
        .where((eb) => eb.or([eb('next_attempt_at', '<=', now), eb('next_attempt_at', 'is', null)]))
        .executeTakeFirst(),
    ]);
    return Number(events?.n ?? 0) + Number(messages?.n ?? 0);
  }
}
