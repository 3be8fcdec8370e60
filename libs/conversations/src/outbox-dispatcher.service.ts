import { AsyncResource } from 'node:async_hooks';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { CcmMetrics, runWithCorrelation } from '@app/observability';
import { CcmConfig } from '@app/config';
import { PagePacer } from '@app/meta';
import { BackgroundBudget, Clock, DeliveryError, OutboundContent, OutboundTarget, PollingLoop, WorkerPool } from '@app/core';
import { BackoffOptions, ClaimedWork, ConversationTarget, MessageRow, PersistenceService, Repositories } from '@app/persistence';
import { ChannelRegistry } from './channel-registry.service';
import { ConversationBus } from './conversation-bus.service';
import { INSTANCE_ID } from './instance-id';
import { LeasedMessage, OutboxHandOff } from './outbox-writer';

/** How often a paused Page (invalid token, Meta block) is looked at again. */
const PAUSED_RECHECK_MS = 5_000;
/** Recording an accepted send is retried this often (≈ 2 minutes in all) before it is left to the lease's expiry. */
const RECORD_SENT_ATTEMPTS = 30;
const RECORD_SENT_BASE_MS = 50;
const RECORD_SENT_CAP_MS = 5_000;
/** Accepted sends recorded in one transaction at most (see `recordPending`). */
const MAX_SENT_PER_COMMIT = 64;

/** An accepted send waiting to be recorded as sent. */
interface PendingSent {
  work: ClaimedWork<MessageRow>;
  mid: string | null;
  at: number;
  resolve: (result: { done: boolean; more?: boolean }) => void;
  reject: (error: unknown) => void;
}

/**
 * Delivers the outbox (a work queue: see `WorkQueue`). Every outbound message was written (status
 * `queued`) before this runs, so a crash loses nothing: on restart the queue is simply continued.
 * Per conversation only the oldest queued message is in flight, so a customer receives messages in
 * order; conversations stream through a bounded pool of sends, claimed round-robin across Pages (a
 * backlog on one Page never holds up another's replies) and paced per Page. Transient failures back
 * off and retry; permanent ones mark the message failed with the channel's error (shown to whoever
 * sent it); a Page with an invalid token or under a Meta block keeps its messages queued until that
 * is resolved. A send that was in flight when a process died is not simply repeated: where the
 * channel echoes sends (Messenger), its echo is awaited for ECHO_WAIT_MS first.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown, OutboxHandOff {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private readonly loop: PollingLoop;
  private readonly backoff: BackoffOptions;
  private readonly pool: WorkerPool;
  private readonly pageStates = new Map<string, { paused: boolean; at: number }>();
  /** Pages over their rate, and when their next token is due. */
  private readonly throttledUntil = new Map<string, number>();
  /** Sends in flight per Page (this instance). */
  private readonly sending = new Map<string, number>();
  /** Claimed messages of Pages at their in-flight limit, sent as that Page's sends finish (in claim order). */
  private readonly held = new Map<string, { work: ClaimedWork<MessageRow>; conversation: ConversationTarget }[]>();
  /** How many messages of a Page were postponed in the current millisecond (to spread their due times). */
  private readonly postponed = new Map<string, { at: number; n: number }>();
  /** A Page's burst (rate/10): claimed at most per pass, in flight at most at once. */
  private readonly burst: number;
  /** Free send slots worth a claim. */
  private readonly batch: number;
  private tokenTimer?: NodeJS.Timeout;
  /** A pass left work behind (no free slot, or Pages at their in-flight limit): finished sends kick a claim. */
  private starved = false;
  /** Outbound messages this instance queued and has not claimed yet, per conversation (see `handOff`). */
  private readonly noticed = new Map<string, number>();
  /** Conversations with a send of this instance in flight or held (their next message waits for it). */
  private readonly active = new Set<string>();
  private flushScheduled = false;
  /** Send slots promised to claims under way (a claim is awaited before its send takes the slot). */
  private reserved = 0;
  /** Hand-offs under way: shutdown waits for them, so nothing starts a send after it. */
  private readonly handOffs = new Set<Promise<void>>();
  private started = false;
  private stopping = false;
  private unsubscribe?: () => void;
  /** Messages stored leased to this instance whose conversation still had a send finishing here (see `takeLeased`). */
  private readonly leasedWaiting = new Map<string, { work: ClaimedWork<MessageRow>; conversation: ConversationTarget }>();
  /**
   * SQLite (one writer, where a commit is the costly part): replies are stored leased, sends are
   * recorded by group commit, and "has the conversation an outbound message queued" is one probe of
   * the partial index (migration 0380). Not on PostgreSQL: there the planner took the (status,
   * next_attempt_at) index for that look (every queued message of every conversation), and the group
   * commit measured more PostgreSQL CPU per answered message than a record per send (2026-12-07,
   * alternated with main: +500–1,000 µs; each alone: equal); there replies are claimed and sends
   * recorded as before.
   */
  private readonly sqlite: boolean;
  /** Sends repeated after a crash because the channel has no echoes to confirm them (at-least-once). */
  repeatedWithoutEcho = 0;
  /** Accepted sends gathered for the next group commit, and whether one is being written. */
  private readonly toRecord: PendingSent[] = [];
  private recording = false;
  /**
   * The async context group commits run in: the dispatcher's own, not that of whichever send
   * happened to start one (its correlation id, a pacer reservation, a unit of work's fence).
   */
  private readonly recorderScope = new AsyncResource('OutboxSentRecorder');

  constructor(
    private readonly persistence: PersistenceService,
    private readonly channels: ChannelRegistry,
    private readonly bus: ConversationBus,
    private readonly config: CcmConfig,
    private readonly pacer: PagePacer,
    private readonly clock: Clock,
    @Optional() private readonly metrics?: CcmMetrics,
    @Optional() private readonly budget: BackgroundBudget = BackgroundBudget.shared,
  ) {
    this.loop = new PollingLoop('outbox', () => this.tick(), 200, undefined, this.budget);
    this.backoff = { baseMs: config.outbox.retryBaseMs, capMs: config.outbox.retryCapMs, maxAttempts: config.outbox.maxAttempts };
    this.pool = new WorkerPool(config.work.outboxConcurrency, () => this.sendFinished(), this.logger);
    this.burst = Math.max(1, Math.floor(config.messenger.sendRatePerPage / 10));
    this.batch = Math.max(1, Math.floor(config.work.outboxConcurrency / 4));
    this.sqlite = persistence.dialect === 'sqlite';
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.bus.subscribe((event) => {
      // A message handed off already leased (takeLeased) needs no claim.
      if (event.type === 'message.created' && event.direction === 'out' && !event.handedOff) this.notice(event.conversationId);
    });
    this.loop.start();
    this.started = true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
    await this.loop.stop();
    await Promise.all([...this.handOffs]);
    // Held messages are claimed but not sent: given back now, for the next start (or another instance)
    // to send at once. Sending them here, as the Page's sends in flight finished, kept a stopping
    // process sending at the Page's rate past SHUTDOWN_TIMEOUT_MS.
    const held = [...this.held.values()].flat();
    this.held.clear();
    for (const { work } of held) await this.persistence.queues.outbox.release(work.lease, this.clock.now());
    await this.pool.drained();
  }

  /** Send slots neither running nor promised to a claim under way (hand-offs and passes run concurrently). */
  private get freeSlots(): number {
    return this.pool.free - this.reserved;
  }

  kick(): void {
    this.loop.kick();
  }

  /**
   * One claim pass and the sends it started, to their end, with the hand-offs their ends started (unit
   * specs; the loop runs passes by itself). Hand-offs still under way from before are settled first.
   */
  async runOnce(): Promise<void> {
    await this.settled();
    await this.tick();
    await this.settled();
  }

  private async settled(): Promise<void> {
    do {
      await Promise.all([...this.handOffs]);
      await this.pool.drained();
    } while (this.handOffs.size > 0);
  }

  /**
   * Claims come in batches: a claim scans the queue, so a finished send kicks one only when the last
   * pass left work behind, and once a batch of slots is free. New work and the poll interval kick the
   * loop regardless; the replies this instance queues are handed off without a scan (`handOff`).
   */
  private sendFinished(): void {
    if (!this.starved || this.freeSlots < this.batch) return;
    this.starved = false;
    this.loop.kick();
  }

  /**
   * OutboxHandOff: the lease a reply written on this instance is stored under (when it is its
   * conversation's head), while this sender runs and has a send slot free. A process that dies before sending it leaves the
   * lease to run out: the message then counts as interrupted, and its echo is awaited before it is
   * sent (as for a claimed message whose sender died), so it is never sent twice.
   */
  leaseFor(now: number): { owner: string; until: number } | undefined {
    // With no send slot free now the reply is queued as usual: leased, it would most likely have to be
    // given back (one more write) once committed, for a pass to claim it again.
    if (!this.started || this.stopping || this.freeSlots <= 0 || !this.sqlite) return undefined;
    return { owner: INSTANCE_ID, until: now + this.config.work.leaseMs };
  }

  /** OutboxHandOff: a reply stored leased to this instance has committed; it is sent like a claimed one. */
  takeLeased(work: ClaimedWork<MessageRow>, conversation: ConversationTarget): void {
    const conversationId = work.row.conversation_id;
    // The send before it may still be finishing here (recorded, not yet done): it goes once that one is.
    if (this.active.has(conversationId)) this.leasedWaiting.set(conversationId, { work, conversation });
    else this.startHandOff(conversationId, false, { work, conversation });
  }

  /** A message was queued here and committed (bus): it is handed off once its conversation has nothing in flight here. */
  private notice(conversationId: string): void {
    this.noticed.set(conversationId, (this.noticed.get(conversationId) ?? 0) + 1);
    this.scheduleHandOffs();
  }

  private scheduleHandOffs(): void {
    if (this.flushScheduled || this.stopping) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const conversationId of this.noticed.keys()) {
        if (this.active.has(conversationId)) continue;
        const left = (this.noticed.get(conversationId) ?? 1) - 1;
        if (left > 0) this.noticed.set(conversationId, left);
        else this.noticed.delete(conversationId);
        this.startHandOff(conversationId);
      }
    });
  }

  /** Runs a hand-off in the background (tracked for shutdown); its failure leaves the message to the loop. */
  private startHandOff(conversationId: string, lookFirst = false, leased?: LeasedMessage): void {
    if (this.stopping && !leased) return;
    const running: Promise<void> = this.handOff(conversationId, lookFirst, leased)
      .catch((error: unknown) =>
        this.logger.warn(`hand-off of conversation ${conversationId} failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => this.handOffs.delete(running));
    this.handOffs.add(running);
  }

  /**
   * Sends the conversation's next message without a scan of the queue: one statement claims its head
   * (see WorkQueue.claimHead), then it goes the way of any claimed message. Whatever this cannot take
   * (no free slot, a lease that ran out or is held elsewhere) waits for the loop's next pass: at once
   * when a pass is owed (no free slot), else at the poll interval. `lookFirst`: nothing says a message
   * is waiting (a send just finished), and usually none is — an indexed read first, not a claim.
   * `leased`: the message was stored already leased to this instance (`takeLeased`), so no claim; if
   * it cannot be sent now it is given back for the loop's next pass.
   */
  private async handOff(conversationId: string, lookFirst = false, leased?: LeasedMessage): Promise<void> {
    if (this.freeSlots <= 0 || this.stopping) {
      this.starved = true;
      if (leased) await this.persistence.queues.outbox.release(leased.work.lease, this.clock.now());
      return;
    }
    // The slot is promised before the claim is awaited, so concurrent hand-offs and passes cannot
    // start more sends than the pool has slots.
    this.reserved += 1;
    this.active.add(conversationId);
    let taken = false;
    try {
      await this.budget.turn();
      if (this.stopping) {
        if (leased) await this.persistence.queues.outbox.release(leased.work.lease, this.clock.now());
        return;
      }
      if (lookFirst && !(await this.persistence.queues.outbox.hasPending(conversationId))) return;
      if (leased) {
        // Its target came with it, as the transaction that stored it left the conversation.
        taken = await this.take(leased.work, leased.conversation, this.clock.now());
        this.wakeForTokens();
        return;
      }
      const work = await this.persistence.queues.outbox.claimHead(conversationId, {
        owner: INSTANCE_ID,
        now: this.clock.now(),
        leaseMs: this.config.work.leaseMs,
      });
      if (!work) return;
      const conversation = await this.persistence.repos.conversations.findById(conversationId);
      taken = await this.take(work, conversation, this.clock.now());
      this.wakeForTokens();
    } finally {
      this.reserved -= 1;
      if (!taken) this.idle(conversationId);
    }
  }

  /** The conversation has no send of this instance in flight any more: its next noticed message may go. */
  private idle(conversationId: string): void {
    this.active.delete(conversationId);
    if (this.takeWaitingLeased(conversationId)) return;
    if (this.noticed.has(conversationId)) this.scheduleHandOffs();
  }

  /** Starts the conversation's message stored leased to this instance that waited for its previous send, if any. */
  private takeWaitingLeased(conversationId: string): boolean {
    const waiting = this.leasedWaiting.get(conversationId);
    if (!waiting) return false;
    this.leasedWaiting.delete(conversationId);
    this.startHandOff(conversationId, false, waiting);
    return true;
  }

  /**
   * A send of the conversation finished: its next message (queued here and noticed, or queued by another
   * instance, a retry or a restart) is claimed at once, not at the next poll, so a backlog of one
   * conversation goes out at the pace of its sends.
   */
  private sendDone(conversationId: string, more: boolean | undefined): void {
    this.active.delete(conversationId);
    if (this.takeWaitingLeased(conversationId)) return;
    if (this.noticed.has(conversationId)) this.scheduleHandOffs();
    // `more`: what the statement recording the send found (undefined: not known, so look first).
    else if (more !== false) this.startHandOff(conversationId, more === undefined);
  }

  /**
   * Claims heads for the free send slots, fairly across Pages, and starts their sends. A message over
   * its Page's rate is given back with a due time when the Page has a token for it (postponed, not
   * re-polled); the Pages' health is cached for a moment, not read per message.
   */
  private async tick(): Promise<boolean> {
    const free = this.freeSlots;
    if (free <= 0) {
      this.starved = true; // finishing sends kick the loop
      return false;
    }
    this.reserved += free;
    try {
      return await this.pass(free);
    } finally {
      this.reserved -= free;
    }
  }

  private async pass(free: number): Promise<boolean> {
    const now = this.clock.now();
    for (const [page, until] of this.throttledUntil) if (until <= now) this.throttledUntil.delete(page);
    const busyPages = [...this.sending].filter(([page, n]) => n + (this.held.get(page)?.length ?? 0) >= this.burst).map(([p]) => p);
    // Their queued messages wait for their sends in flight to finish.
    if (busyPages.length > 0) this.starved = true;
    const claimed = await this.persistence.queues.outbox.claim({
      owner: INSTANCE_ID,
      now,
      leaseMs: this.config.work.leaseMs,
      limit: free,
      // No more of one Page per claim than its burst, and none of a Page waiting for tokens or at its in-flight limit.
      perGroup: this.burst,
      excludeGroups: [...new Set([...this.throttledUntil.keys(), ...busyPages])],
    });
    const conversations = new Map(
      (await this.persistence.repos.conversations.findByIds([...new Set(claimed.map((m) => m.row.conversation_id))])).map((c) => [c.id, c]),
    );
    // The pass is one unit of background work (the loop's turn): it must not wait for further turns
    // while it holds the free send slots (reserved), or the hand-offs would find none meanwhile.
    for (const work of claimed) await this.take(work, conversations.get(work.row.conversation_id), now);
    this.wakeForTokens();
    return claimed.length === free;
  }

  /**
   * A claimed message: settled, given back (paused Page), held (Page at its in-flight limit) or sent.
   * True when it is now in flight or held here (its conversation is then `active` until it is done).
   */
  private async take(work: ClaimedWork<MessageRow>, conversation: ConversationTarget | undefined, now: number): Promise<boolean> {
    if (!conversation) {
      await this.persistence.queues.outbox.dead(work.lease, work.row.attempts, JSON.stringify({ message: 'conversation not found' }), now);
      return false;
    }
    // Settled before anything can give the message back (paused Page, no token yet): a release
    // clears the lease, and the next claim would no longer know this send may have reached Meta.
    if (await this.settledWithoutSending(work, conversation)) return false;
    if (await this.isPaused(conversation.page_id)) {
      await this.persistence.queues.outbox.release(work.lease, now + PAUSED_RECHECK_MS);
      return false;
    }
    const page = conversation.page_id;
    if ((this.sending.get(page) ?? 0) >= this.burst) {
      // At most a burst of a Page's sends in flight, so sends granted earlier but slowed on the way
      // cannot bunch up with later ones into more than the rate in one second. The claimed message
      // waits here (still ours) for the Page's next finished send.
      this.held.set(page, [...(this.held.get(page) ?? []), { work, conversation }]);
      this.active.add(conversation.id);
      return true;
    }
    return this.dispatch(work, conversation);
  }

  /**
   * Sends now if the Page has a token; otherwise gives the message back until the Page's next token.
   * True when the send is under way (false: postponed for the Page's rate).
   */
  private async dispatch(work: ClaimedWork<MessageRow>, conversation: ConversationTarget): Promise<boolean> {
    const page = conversation.page_id;
    const rate = this.config.messenger.sendRatePerPage;
    // Every Graph call of the Page counts (sender actions, profile reads too), across instances.
    const wait = await this.pacer.reserve(page);
    if (wait > 0) {
      // Postponed, not re-polled: the k-th message over the rate is due at the k-th next token, and
      // the Page is left out of claims until a whole burst is available again.
      const now = this.clock.now();
      const ahead = (this.postponed.get(page)?.at === now ? this.postponed.get(page)!.n : 0) + 1;
      this.postponed.set(page, { at: now, n: ahead });
      this.throttledUntil.set(page, now + wait + Math.ceil(((this.burst - 1) * 1000) / rate));
      await this.persistence.queues.outbox.release(work.lease, now + wait + Math.ceil(((ahead - 1) * 1000) / rate));
      return false;
    }
    this.sending.set(page, (this.sending.get(page) ?? 0) + 1);
    this.active.add(conversation.id);
    let more: boolean | undefined;
    this.pool.run(() =>
      // The send uses the slot just reserved (not counted twice).
      this.pacer
        .withReservation(page, async () => {
          more = await this.deliver(work, conversation);
        })
        .finally(async () => {
          const left = (this.sending.get(page) ?? 1) - 1;
          if (left > 0) this.sending.set(page, left);
          else this.sending.delete(page);
          this.sendDone(conversation.id, more);
          const next = this.held.get(page)?.shift();
          if (this.held.get(page)?.length === 0) this.held.delete(page);
          if (next && this.stopping) await this.persistence.queues.outbox.release(next.work.lease, this.clock.now());
          else if (next && !(await this.dispatch(next.work, next.conversation))) this.idle(next.conversation.id);
        }),
    );
    return true;
  }

  /** Comes back when the first throttled Page has a token again (sooner than the poll interval). */
  private wakeForTokens(): void {
    if (this.throttledUntil.size === 0 || this.tokenTimer) return;
    const at = Math.min(...this.throttledUntil.values());
    this.tokenTimer = setTimeout(
      () => {
        this.tokenTimer = undefined;
        this.loop.kick();
      },
      Math.max(1, at - this.clock.now()),
    );
    this.tokenTimer.unref();
  }

  /**
   * A message needing no send: its echo came back (an interrupted send did reach Meta), or it was
   * being sent when its holder stopped and the channel echoes sends, so its echo is awaited for
   * ECHO_WAIT_MS before it is sent again. Neither takes a send slot or a Page token.
   */
  private async settledWithoutSending(work: ClaimedWork<MessageRow>, conversation: ConversationTarget): Promise<boolean> {
    const { row: message, lease } = work;
    if (message.mid !== null) {
      await this.sent(work, conversation, message.mid);
      return true;
    }
    const echoWaitMs = this.config.work.echoWaitMs;
    if (!work.interrupted || !this.channels.adapter(conversation.channel)?.descriptor.capabilities.sendEchoes || echoWaitMs <= 0)
      return false;
    this.logger.warn(
      `message ${message.id} was being sent when its sender stopped; waiting up to ${echoWaitMs} ms for its echo before sending it again`,
    );
    await this.persistence.queues.outbox.release(lease, this.clock.now() + echoWaitMs);
    return true;
  }

  /**
   * Log lines of a send carry the correlation id of the event whose handling queued the message.
   * Resolves with whether the conversation has another message queued, when recording the send told
   * (undefined: not known).
   */
  private deliver(work: ClaimedWork<MessageRow>, conversation: ConversationTarget): Promise<boolean | undefined> {
    return runWithCorrelation(work.row.correlation_id, () => this.deliverNow(work, conversation));
  }

  private async deliverNow(work: ClaimedWork<MessageRow>, conversation: ConversationTarget): Promise<boolean | undefined> {
    const { row: message, lease } = work;
    const queue = this.persistence.queues.outbox;
    if (work.interrupted) {
      this.repeatedWithoutEcho += 1;
      this.logger.warn(`message ${message.id} was being sent when its sender stopped; the channel has no echoes, so it is sent again`);
    }
    // The claim may have waited since (held behind the Page's sends in flight, or a stalled event
    // loop): if its lease ran out, another instance may hold the message now and sending it as well
    // would repeat it. So a lease past its first half is checked (and extended) before the send, and
    // the lease is kept alive while the send runs, so a slow Meta is not mistaken for a dead sender.
    const leaseMs = this.config.work.leaseMs;
    if ((message.lease_until ?? 0) - this.clock.now() < leaseMs / 2 && !(await queue.renew(lease, this.clock.now(), leaseMs))) {
      this.logger.warn(`message ${message.id}: lease lost before the send; left to its new holder`);
      return undefined;
    }
    const renewal = setInterval(() => void queue.renew(lease, this.clock.now(), leaseMs).catch(() => false), leaseMs / 3);
    let mid: string | undefined;
    try {
      const content = JSON.parse(message.content ?? 'null') as OutboundContent | null;
      if (!content) throw new DeliveryError('permanent', 'message has no content');
      ({ mid } = await this.channels.sender(conversation.channel).send(targetOf(conversation), {
        id: message.id,
        author: message.author,
        content,
        ...(message.reply_to_mid ? { replyTo: message.reply_to_mid } : {}),
      }));
    } catch (error) {
      clearInterval(renewal);
      await this.budget.turn();
      await this.handleFailure(work, conversation, error);
      return undefined;
    }
    clearInterval(renewal);
    // The channel accepted it: from here on nothing may send it again, so a failure to record that
    // (the database briefly away) is retried, never treated as a failed send. Recorded at once, not
    // after a turn of the budget: waiting there, the send would hold its slot (and its Page's
    // in-flight count) behind every other waiting unit.
    return this.recordSent(work, conversation, mid ?? null);
  }

  /** Records an accepted send, retrying while the database fails (and the lease is still ours). */
  private async recordSent(
    work: ClaimedWork<MessageRow>,
    conversation: ConversationTarget,
    mid: string | null,
  ): Promise<boolean | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sent(work, conversation, mid);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (attempt >= RECORD_SENT_ATTEMPTS) {
          // Left leased: once the lease runs out the send counts as interrupted (an echo confirms it, where the channel has them).
          this.logger.error(`message ${work.row.id} was sent but could not be recorded as sent (${reason}); giving up recording it`);
          return undefined;
        }
        this.logger.warn(`message ${work.row.id} was sent but recording it failed (${reason}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(RECORD_SENT_CAP_MS, RECORD_SENT_BASE_MS * 2 ** (attempt - 1))));
      }
    }
  }

  /**
   * Records the message sent (its channel id, when the channel gave one). Resolves with whether its
   * conversation has another message queued (undefined: the lease was lost, so not known).
   */
  private async sent(work: ClaimedWork<MessageRow>, conversation: ConversationTarget, mid: string | null): Promise<boolean | undefined> {
    const { done, more } = await this.recordTogether(work, mid, this.clock.now());
    if (!done) {
      // Another instance took the message over meanwhile. The channel's id is a fact, not a claim:
      // recorded on the row, it tells the new holder the message went out (as its echo would).
      if (mid !== null) await this.persistence.repos.messages.attachMid(work.row.id, conversation.id, mid);
      this.logger.warn(
        `message ${work.row.id}: lease lost during the send; its channel id is recorded so the new holder does not repeat it`,
      );
      return undefined;
    }
    this.metrics?.replySent({ channel: conversation.channel, pageId: conversation.page_id, customerId: conversation.customer_id });
    this.logger.log(`message ${work.row.id} (${work.row.author}, conversation ${conversation.id}) sent to ${conversation.channel}`);
    this.bus.publish({ type: 'message.status', conversationId: conversation.id, messageId: work.row.id, status: 'sent' });
    return more;
  }

  /**
   * Group commit of accepted sends: the ones that finish while a commit is being written (or in the
   * same turn of the event loop) are recorded together by the next one, in one transaction, instead
   * of one commit each. Each row is still fenced on its own (a lost lease changes nothing), and the
   * same statement tells whether its conversation has another message queued (see `sendDone`).
   */
  private recordTogether(work: ClaimedWork<MessageRow>, mid: string | null, at: number): Promise<{ done: boolean; more?: boolean }> {
    // PostgreSQL: each send recorded by itself, at once (see `sqlite`).
    if (!this.sqlite) return this.markSent({ work, mid, at });
    return new Promise((resolve, reject) => {
      this.toRecord.push({ work, mid, at, resolve, reject });
      if (this.recording) return;
      this.recording = true;
      this.recorderScope.runInAsyncScope(() => setImmediate(() => void this.recordPending()));
    });
  }

  private async recordPending(): Promise<void> {
    try {
      while (this.toRecord.length > 0) {
        const group = this.toRecord.splice(0, MAX_SENT_PER_COMMIT);
        // One send alone needs no transaction of its own (its statement commits by itself).
        if (group.length === 1) {
          await this.markSent(group[0]).then(group[0].resolve, group[0].reject);
          continue;
        }
        try {
          const results = await this.persistence.transaction(async (repos) => {
            const marked: { done: boolean; more?: boolean }[] = [];
            for (const pending of group) marked.push(await this.markSent(pending, repos.db));
            return marked;
          });
          group.forEach((pending, i) => pending.resolve(results[i]));
        } catch {
          // Something in the group failed (nothing of it committed): each is recorded alone, so one
          // bad row cannot fail its neighbours.
          for (const pending of group) await this.markSent(pending).then(pending.resolve, pending.reject);
        }
      }
    } finally {
      this.recording = false;
    }
  }

  private async markSent(
    pending: Pick<PendingSent, 'work' | 'mid' | 'at'>,
    db?: Repositories['db'],
  ): Promise<{ done: boolean; more?: boolean }> {
    const { work, mid, at } = pending;
    if (!this.sqlite) {
      // (`more` not known: the finished send looks before it claims, as it always did.)
      const done = await this.persistence.queues.outbox.complete(
        work.lease,
        'sent',
        at,
        { mid, sent_at: at, attempts: work.row.attempts + 1, error: null },
        db,
      );
      return { done };
    }
    return this.persistence.queues.outbox.completeAndPeek(
      work.lease,
      'sent',
      at,
      { mid, sent_at: at, attempts: work.row.attempts + 1, error: null },
      db,
    );
  }

  private async handleFailure(work: ClaimedWork<MessageRow>, conversation: ConversationTarget, error: unknown): Promise<void> {
    const { row: message, lease } = work;
    const queue = this.persistence.queues.outbox;
    const failure =
      error instanceof DeliveryError ? error : new DeliveryError('transient', error instanceof Error ? error.message : String(error));
    const stored = JSON.stringify({ kind: failure.kind, message: failure.message, ...failure.details });
    if (failure.kind === 'paused') {
      if (failure.pauseCause === 'token') {
        this.logger.error(
          `ALERT: the access token of page ${conversation.page_id} is invalid (${failure.message}); sends to this page are paused until a new token is set`,
        );
        await this.persistence.repos.pageStates.markTokenInvalid(conversation.page_id, failure.message, this.clock.now());
        this.pageStates.delete(conversation.page_id);
      }
      // Kept queued, not failed, and not counted as an attempt: nothing is wrong with the message.
      await queue.release(lease, this.clock.now() + PAUSED_RECHECK_MS, stored);
      return;
    }
    const attempt = message.attempts + 1;
    const result = await queue.fail(lease, attempt, stored, this.clock.now(), this.backoff, { permanent: failure.kind === 'permanent' });
    if (result.outcome === 'dead') {
      this.metrics?.outboxFailure(conversation.channel, failure.details?.code as string | number | undefined);
      this.logger.warn(
        `message ${message.id} (conversation ${conversation.id}) failed${failure.kind === 'transient' ? ` after ${attempt} attempts` : ''}: ${failure.message}`,
      );
      this.bus.publish({
        type: 'message.status',
        conversationId: conversation.id,
        messageId: message.id,
        status: 'failed',
        error: failure.message,
      });
    } else if (result.outcome === 'retry') {
      this.metrics?.outboxRetry(conversation.channel, failure.details?.code as string | number | undefined);
      this.logger.debug(`message ${message.id} attempt ${attempt} failed (${failure.message}), retry in ${result.delayMs} ms`);
    }
  }

  /**
   * The Page can send again (a new token was set): what it held back goes out now, not at its next
   * recheck (PAUSED_RECHECK_MS). Other instances see the Page's state within their one-second cache.
   */
  async resumePage(pageId: string): Promise<void> {
    this.pageStates.delete(pageId);
    const now = this.clock.now();
    await this.persistence.repos.messages.dueNowForPage(pageId, now, now + PAUSED_RECHECK_MS);
    this.kick();
  }

  /** A Page Meta blocked, or whose token is invalid, keeps its messages queued until that is fixed (cached for a second). */
  private async isPaused(pageId: string): Promise<boolean> {
    const now = this.clock.now();
    const cached = this.pageStates.get(pageId);
    if (cached && now - cached.at < 1000) return cached.paused;
    const state = await this.persistence.repos.pageStates.get(pageId);
    const paused = Boolean(state && (state.blocked || state.token_status === 'invalid'));
    this.pageStates.set(pageId, { paused, at: now });
    return paused;
  }

  /** Sends claimed and not finished by any instance right now (0 when the outbox is idle). */
  async inFlight(): Promise<number> {
    return this.persistence.queues.outbox.countLeased(this.clock.now());
  }
}

export function targetOf(conversation: ConversationTarget): OutboundTarget {
  return {
    channel: conversation.channel,
    conversationId: conversation.id,
    pageId: conversation.page_id,
    customerId: conversation.customer_id,
    lastUserEventAt: conversation.last_user_event_at,
    adsMessageAt: conversation.ads_message_at,
    threadOwner: conversation.thread_owner,
  };
}
