import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock, MessageAuthor, OutboundContent } from '@app/core';
import { ConversationRow, FencedTransactionOptions, PersistenceService, Repositories } from '@app/persistence';
import { ConversationBus, ConversationBusEvent } from './conversation-bus.service';
import { OutboxHandOff, queueOutbound } from './outbox-writer';

/** This instance's sender, taking replies stored already leased to it (the OutboxDispatcher). */
export const OUTBOX_HAND_OFF = Symbol('OUTBOX_HAND_OFF');

/**
 * One unit of work on conversations: the repositories of the open transaction, the time it runs at,
 * and what to do once it has committed (bus events for live views, best-effort background work).
 * Its helpers are the few writes every applier and hook shares.
 */
export class ConversationUnit {
  readonly published: ConversationBusEvent[] = [];
  readonly afterCommitWork: (() => unknown)[] = [];

  constructor(
    readonly repos: Repositories,
    readonly now: number,
    private readonly handOff?: OutboxHandOff,
  ) {}

  /** Tells live views (desk, bridge) once the unit has committed. */
  publish(event: ConversationBusEvent): void {
    this.published.push(event);
  }

  /** Runs `work` once the unit has committed (never if it rolls back); failures are only logged. */
  afterCommit(work: () => unknown): void {
    this.afterCommitWork.push(work);
  }

  /** Appends to the conversation's audit trail. */
  async record(
    conversationId: string,
    type: string,
    reason: string,
    actor: string,
    from: string | null = null,
    to: string | null = null,
  ): Promise<void> {
    await this.repos.conversationEvents.append({
      conversation_id: conversationId,
      type,
      from_state: from,
      to_state: to,
      reason,
      actor,
      created_at: this.now,
    });
  }

  /** Queues an outbound message (split when too long) and announces it; `replyTo`: the customer message it answers. */
  async enqueue(conversationId: string, author: MessageAuthor, content: OutboundContent, replyTo?: string): Promise<number[]> {
    // Stored already leased to this instance's sender when it is the conversation's next message, and
    // handed to it once committed: no claim statement (and no commit of its own) per reply.
    const handOff = this.handOff;
    const { ids, leased } = await queueOutbound(
      this.repos,
      conversationId,
      author,
      content,
      this.now,
      replyTo,
      handOff?.leaseFor(this.now),
    );
    for (const messageId of ids)
      this.publish({
        type: 'message.created',
        conversationId,
        messageId,
        direction: 'out',
        author,
        ...(leased?.work.row.id === messageId ? { handedOff: true } : {}),
      });
    if (leased) this.afterCommit(() => handOff!.takeLeased(leased.work, leased.conversation));
    return ids;
  }

  /** The customer did something at `timestamp`: Meta's messaging window runs from their latest such event. */
  async noteCustomerActivity(conversationId: string, timestamp: number): Promise<void> {
    await this.repos.conversations.noteUserEvent(conversationId, timestamp, this.now);
  }

  /**
   * The conversation as it is now, locked until the commit (`lockForUpdate`), with the customer's
   * activity at `timestamp` noted (`noteCustomerActivity`) by the same statement.
   */
  lockNotingCustomerActivity(conversationId: string, timestamp: number): Promise<ConversationRow | undefined> {
    return this.repos.conversations.lockNotingUserEvent(conversationId, timestamp, this.now);
  }
}

/** Runs conversation units: one transaction, then the bus events and after-commit work. */
@Injectable()
export class ConversationUnits {
  private readonly logger = new Logger(ConversationUnits.name);

  constructor(
    private readonly persistence: PersistenceService,
    private readonly bus: ConversationBus,
    private readonly clock: Clock,
    @Optional() @Inject(OUTBOX_HAND_OFF) private readonly handOff?: OutboxHandOff,
  ) {}

  /** `options.finishesWork`: this unit carries the effects of the fenced work (see `runFencedToFinish`). */
  async run<T>(work: (unit: ConversationUnit) => Promise<T>, options?: FencedTransactionOptions): Promise<T> {
    const now = this.clock.now();
    let unit: ConversationUnit | undefined;
    const result = await this.persistence.transaction((repos) => {
      unit = new ConversationUnit(repos, now, this.handOff);
      return work(unit);
    }, options);
    if (unit) this.committed(unit);
    return result;
  }

  /** For a unit whose transaction the caller ran itself. */
  committed(unit: ConversationUnit): void {
    for (const event of unit.published) this.bus.publish(event);
    for (const work of unit.afterCommitWork) {
      Promise.resolve()
        .then(work)
        .catch((error: unknown) => this.logger.warn(`after-commit work failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}
