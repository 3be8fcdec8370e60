import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CustomerChannelActions } from '@app/agent-desk';
import { CcmConfig } from '@app/config';
import { PollingLoop } from '@app/core';
import { BridgeOutboxRow, PersistenceService } from '@app/persistence';
import { BridgeEvent } from './bridge-event.types';
import { bridgeRetryDelay, EVENT_ID_HEADER, signBridgeBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-signature';

const CLAIM_MS = 30_000;

/**
 * Posts the bridge outbox to CHAT_SERVER_URL: signed JSON, per conversation in order, retried with
 * capped backoff for as long as it takes (a chat server that is down only delays events). Any 2xx
 * is success; delivery is at-least-once, so receivers deduplicate on the event id.
 */
@Injectable()
export class ChatServerDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChatServerDispatcher.name);
  private readonly loop: PollingLoop;

  constructor(
    private readonly persistence: PersistenceService,
    private readonly config: CcmConfig,
    private readonly channel: CustomerChannelActions,
  ) {
    this.loop = new PollingLoop('chat-server-bridge', () => this.tick(), Math.min(1000, config.agents.chatServer?.retryBaseMs ?? 1000));
  }

  onApplicationBootstrap(): void {
    if (this.config.agents.chatServer) this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  kick(): void {
    this.loop.kick();
  }

  private async tick(): Promise<boolean> {
    const due = await this.persistence.repos.bridgeOutbox.due(Date.now(), 16);
    const results = await Promise.all(due.map((row) => this.deliver(row)));
    return results.some(Boolean);
  }

  private async deliver(row: BridgeOutboxRow): Promise<boolean> {
    const server = this.config.agents.chatServer;
    const repos = this.persistence.repos;
    if (!server || !(await repos.bridgeOutbox.claim(row.id, Date.now(), CLAIM_MS))) return false;
    const body = await this.withProfile(row);
    const timestamp = Date.now();
    const attempts = row.attempts + 1;
    try {
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
      if (!response.ok) throw new Error(`chat server answered HTTP ${response.status}`);
      await repos.bridgeOutbox.markDelivered(row.id, attempts, Date.now());
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const delay = bridgeRetryDelay(attempts, server.retryBaseMs, server.retryMaxMs);
      this.logger.warn(`bridge event ${row.id} (${row.event_type}) attempt ${attempts} failed: ${message}; retry in ${delay} ms`);
      await repos.bridgeOutbox.scheduleRetry(row.id, attempts, Date.now() + delay, message);
      return false;
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
