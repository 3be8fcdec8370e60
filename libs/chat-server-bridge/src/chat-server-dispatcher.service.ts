import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { CustomerChannelActions } from '@app/agent-desk';
import { CcmConfig } from '@app/config';
import { INSTANCE_ID } from '@app/conversations';
import { BackgroundBudget, Clock, PollingLoop, WorkerPool } from '@app/core';
import { BridgeOutboxRow, ClaimedWork, PersistenceService } from '@app/persistence';
import { BridgeEvent } from './bridge-event.types';
import { EVENT_ID_HEADER, signBridgeBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-signature';

/** How many events are posted at once (each conversation's events stay in order regardless). */
const CONCURRENCY = 16;

/** A chat server's answer that will not change by retrying (its bad request, unknown route…): given up at once. */
export function isPermanentRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 425 && status !== 429;
}

/**
 * Posts the bridge outbox (a work queue: see `WorkQueue`) to CHAT_SERVER_URL: signed JSON, per
 * conversation in order, retried with the shared capped backoff. An event is parked as dead — listed
 * and replayable in the admin API, and no longer holding up its conversation's later events — after
 * CHAT_SERVER_MAX_ATTEMPTS failed attempts, or at once when the chat server refuses it for good (a
 * 4xx other than 408/425/429). Any 2xx is success; delivery is at-least-once, so receivers
 * deduplicate on the event id.
 */
@Injectable()
export class ChatServerDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChatServerDispatcher.name);
  private readonly loop: PollingLoop;
  private readonly pool: WorkerPool;

  constructor(
    private readonly persistence: PersistenceService,
    private readonly config: CcmConfig,
    private readonly channel: CustomerChannelActions,
    private readonly clock: Clock,
    @Optional() private readonly budget: BackgroundBudget = BackgroundBudget.shared,
  ) {
    this.loop = new PollingLoop(
      'chat-server-bridge',
      () => this.tick(),
      Math.min(1000, config.agents.chatServer?.retryBaseMs ?? 1000),
      undefined,
      budget,
    );
    this.pool = new WorkerPool(CONCURRENCY, () => this.loop.kick(), this.logger);
  }

  onApplicationBootstrap(): void {
    if (this.config.agents.chatServer) this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    await this.pool.drained();
  }

  kick(): void {
    this.loop.kick();
  }

  private async tick(): Promise<boolean> {
    const free = this.pool.free;
    if (free === 0 || !this.config.agents.chatServer) return false;
    const claimed = await this.persistence.queues.bridge.claim({
      owner: INSTANCE_ID,
      now: this.clock.now(),
      leaseMs: this.config.work.leaseMs,
      limit: free,
    });
    for (const work of claimed) this.pool.run(() => this.deliver(work));
    return claimed.length === free;
  }

  private async deliver(work: ClaimedWork<BridgeOutboxRow>): Promise<void> {
    const server = this.config.agents.chatServer!;
    const { row, lease } = work;
    const queue = this.persistence.queues.bridge;
    const attempts = row.attempts + 1;
    let permanent = false;
    try {
      // Preparing the post, and recording its outcome, are units of background work.
      await this.budget.turn();
      const body = await this.withProfile(row);
      const timestamp = this.clock.now();
      const response = await fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signBridgeBody(server.secret, timestamp, body),
          [TIMESTAMP_HEADER]: String(timestamp),
          [EVENT_ID_HEADER]: (JSON.parse(body) as BridgeEvent).id,
          'user-agent': 'ccm-chat-server-bridge/1',
        },
        body,
        signal: AbortSignal.timeout(server.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      await this.budget.turn();
      if (!response.ok) {
        permanent = isPermanentRefusal(response.status);
        throw new Error(`chat server answered HTTP ${response.status}`);
      }
      if (!(await queue.complete(lease, 'delivered', this.clock.now(), { attempts, last_error: null })))
        this.logger.warn(`bridge event ${row.id}: lease lost during the post (it may be posted again; receivers deduplicate)`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const backoff = { baseMs: server.retryBaseMs, capMs: server.retryMaxMs, maxAttempts: this.config.work.bridgeMaxAttempts };
      const result = await queue.fail(lease, attempts, message, this.clock.now(), backoff, { permanent });
      if (result.outcome === 'dead')
        this.logger.error(
          `bridge event ${row.id} (${row.event_type}, conversation ${row.conversation_id}) given up after ${attempts} attempt(s): ${message}; replay it in the admin API`,
        );
      else if (result.outcome === 'retry')
        this.logger.warn(
          `bridge event ${row.id} (${row.event_type}) attempt ${attempts} failed: ${message}; retry in ${result.delayMs} ms`,
        );
    }
  }

  /** A hand-over is written inside the handler's transaction, where no network call belongs: the profile is added here, best effort. */
  private async withProfile(row: BridgeOutboxRow): Promise<string> {
    if (row.event_type !== 'conversation.handover') return row.payload;
    const event = JSON.parse(row.payload) as BridgeEvent;
    if (event.customer.firstName !== undefined || event.customer.pictureUrl !== undefined) return row.payload;
    const conversation = await this.persistence.repos.conversations.findById(row.conversation_id);
    const profile = conversation ? await this.channel.profile(conversation) : undefined;
    if (!profile) return row.payload;
    event.customer = { ...event.customer, ...profile };
    const payload = JSON.stringify(event);
    await this.persistence.db.updateTable('bridge_outbox').set({ payload }).where('id', '=', row.id).execute();
    return payload;
  }
}
