import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { BackgroundBudget, Clock, PollingLoop } from '@app/core';
import { LeaderElection, PersistenceService } from '@app/persistence';
import { ChannelRegistry } from './channel-registry.service';
import { ConversationUnits } from './conversation-unit';
import { OutboxDispatcher } from './outbox-dispatcher.service';

/**
 * Keeps waiting customers informed: a new position when the queue moves up, and one message when the
 * wait gets long. Nothing is dropped: the conversation stays queued. Works from the database only:
 * each notice is claimed with a conditional update in the same transaction that queues it, so
 * several instances never send it twice and a crash never loses a claimed notice.
 */
@Injectable()
export class QueueWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueWatcher.name);
  private readonly loop: PollingLoop;

  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
    private readonly units: ConversationUnits,
    private readonly outbox: OutboxDispatcher,
    private readonly clock: Clock,
    private readonly election: LeaderElection,
    private readonly channels: ChannelRegistry,
    @Optional() private readonly budget: BackgroundBudget = BackgroundBudget.shared,
  ) {
    // A singleton loop: only the elected instance tells waiting customers about the queue.
    this.loop = new PollingLoop(
      'queue-watcher',
      async () => (this.election.isLeader && (await this.tick()), false),
      config.queue.updateIntervalMs,
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass over the queue; returns how many notices were queued. */
  async tick(now = this.clock.now()): Promise<number> {
    const queue = await this.persistence.repos.conversations.listByState('QUEUED');
    let sent = 0;
    for (const [index, conversation] of queue.entries()) {
      // A public thread (comments) is no place for someone's queue position or wait: nothing is said there.
      if (this.channels.adapter(conversation.channel)?.descriptor.capabilities.publicReplies) continue;
      const position = index + 1;
      const told = { position: conversation.queue_position_told, timeoutAt: conversation.queue_timeout_told_at };
      const timeoutDue =
        this.config.queue.timeoutMs > 0 && told.timeoutAt === null && now - (conversation.queued_at ?? now) >= this.config.queue.timeoutMs;
      const moved = told.position !== null && position < told.position;
      if (!timeoutDue && !moved) continue;
      const texts = [
        ...(timeoutDue ? [this.config.queue.timeoutMessage] : []),
        ...(moved ? [this.config.queue.positionMessage.replace('{position}', String(position))] : []),
      ];
      await this.budget.turn(); // one notice (a transaction) at a time
      const queued = await this.units.run(async (unit) => {
        const claimed = await unit.repos.conversations.claimQueueNotice(conversation.id, told, {
          position,
          timeoutAt: timeoutDue ? now : told.timeoutAt,
        });
        if (claimed) await unit.enqueue(conversation.id, 'system', { kind: 'text', text: texts.join(' ') });
        return claimed;
      });
      if (queued) sent += 1;
    }
    if (sent > 0) {
      this.logger.log(`queue: ${sent} waiting customer(s) updated`);
      this.outbox.kick();
    }
    return sent;
  }
}
