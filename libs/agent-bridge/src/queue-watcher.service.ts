import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { PollingLoop } from '@app/core';
import { LeaderElection, PersistenceService } from '@app/persistence';

/** Writes a message to the outbox; given by the conversations lib (which owns the outbox) at boot. */
export type QueueNoticeWriter = (conversationId: string, text: string) => Promise<void>;

/**
 * Keeps waiting customers informed: a new position when the queue moves up, and one message when the
 * wait gets long. Nothing is dropped: the conversation stays queued. Works from the database only, and
 * each notice is claimed with a conditional update, so several instances never send it twice.
 */
@Injectable()
export class QueueWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueWatcher.name);
  private readonly loop: PollingLoop;
  private writer?: QueueNoticeWriter;

  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
    private readonly election: LeaderElection,
  ) {
    // A singleton loop: only the elected instance tells waiting customers about the queue.
    this.loop = new PollingLoop(
      'queue-watcher',
      async () => (this.election.isLeader && (await this.tick()), false),
      config.queue.updateIntervalMs,
    );
  }

  /** Called by the outbox owner so the watcher can send messages without depending on it. */
  useWriter(writer: QueueNoticeWriter): void {
    this.writer = writer;
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass over the queue; returns how many notices were sent. */
  async tick(now = Date.now()): Promise<number> {
    if (!this.writer) return 0;
    const queue = await this.persistence.repos.conversations.listByState('QUEUED');
    let sent = 0;
    for (const [index, conversation] of queue.entries()) {
      const position = index + 1;
      const told = { position: conversation.queue_position_told, timeoutAt: conversation.queue_timeout_told_at };
      const timeoutDue =
        this.config.queue.timeoutMs > 0 && told.timeoutAt === null && now - (conversation.queued_at ?? now) >= this.config.queue.timeoutMs;
      const moved = told.position !== null && position < told.position;
      if (!timeoutDue && !moved) continue;
      const claimed = await this.persistence.repos.conversations.claimQueueNotice(conversation.id, told, {
        position,
        timeoutAt: timeoutDue ? now : told.timeoutAt,
      });
      if (!claimed) continue;
      const texts = [
        ...(timeoutDue ? [this.config.queue.timeoutMessage] : []),
        ...(moved ? [this.config.queue.positionMessage.replace('{position}', String(position))] : []),
      ];
      await this.writer(conversation.id, texts.join(' '));
      sent += 1;
    }
    if (sent > 0) this.logger.log(`queue: ${sent} waiting customer(s) updated`);
    return sent;
  }
}
