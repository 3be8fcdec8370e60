import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { correlationIdOf, runWithCorrelation } from '@app/observability';
import { BackgroundBudget, Clock, InboundEvent, PollingLoop, WorkerPool } from '@app/core';
import {
  BackoffOptions,
  ClaimedWork,
  ConversationRow,
  FenceFinish,
  InboundEventRow,
  LeaseLostError,
  PersistenceService,
  runFenced,
  runFencedToFinish,
} from '@app/persistence';
import { ConversationHandler } from './conversation-handler.service';
import { INSTANCE_ID } from './instance-id';

/** Attempts before a poison event is parked as dead (visible to operators, replayable). */
export const MAX_EVENT_ATTEMPTS = 5;
/** Events applied in one drain of a conversation before its slot goes back to the pool (fairness). */
const MAX_EVENTS_PER_DRAIN = 32;
/** Conversations remembered while every slot is busy (beyond that the journal's scan finds them). */
const MAX_WAITING_OFFERS = 10_000;
/**
 * While offers wait, a claim pass still gets a slot at least this often: only the scan finds events
 * due after a retry's backoff, Page-level events, a crashed instance's expired leases, events another
 * instance's intake took in, and conversations sent back at the drain limit.
 */
const SCAN_SHARE_MS = 1_000;

/** A conversation the intake has just written new events for. */
export interface InboundOffer {
  conversationId: string;
  pageId: string;
}

/**
 * Processes the inbound journal (a work queue: see `WorkQueue`). Per conversation only the head
 * event is ever claimed, so its events are applied one at a time in Meta's timestamp order, across
 * processes and instances; different conversations run in a bounded worker pool, so a slow bot turn
 * holds one slot while the others keep going. Each event is applied under its lease, and the
 * handler's transaction first checks that the lease is still held: a turn that outlived its lease and
 * was taken over by another instance commits nothing (that instance applies the event instead).
 * Every claim and every event applied is a unit of background work: it waits for its turn in the
 * event loop's `BackgroundBudget`, so processing never keeps the intake's webhooks waiting for long.
 */
@Injectable()
export class InboundProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboundProcessor.name);
  private readonly loop: PollingLoop;
  private readonly pool: WorkerPool;
  private readonly backoff: BackoffOptions;
  /** A pass found no free slot, or an offer was not remembered: the next finished drain kicks a claim. */
  private starved = false;
  /**
   * Conversations offered while every slot was busy, per Page, oldest first: handed off as slots free
   * up, the Pages taking turns (a flood on one Page does not keep another Page's customers waiting). A
   * claim that scans the journal costs more the longer the backlog is (it ranks every pending event),
   * so a backlog of offered work must not be taken one scan per finished drain.
   */
  private readonly waitingOffers = new Map<string, Set<string>>();
  private waitingCount = 0;
  /** When the last claim pass ran (clock time): while offers wait, one is owed every SCAN_SHARE_MS. */
  private lastScanAt = Number.NEGATIVE_INFINITY;
  /** Conversations being drained here (and their Page), and those of them offered new events meanwhile (see `offer`). */
  private readonly draining = new Map<string, string>();
  private readonly offeredWhileDraining = new Set<string>();
  /** Offers are taken only between bootstrap and shutdown (like the loop's passes). */
  private running = false;
  /** Slots a pass is claiming for right now: offers leave them alone, so the pool is never oversubscribed. */
  private claiming = 0;
  /** The lease fence of an event's transaction, which also marks the event done (one statement). */
  private readonly markDone: FenceFinish;

  constructor(
    private readonly persistence: PersistenceService,
    private readonly handler: ConversationHandler,
    private readonly config: CcmConfig,
    private readonly clock: Clock,
    @Optional() private readonly budget: BackgroundBudget = BackgroundBudget.shared,
  ) {
    this.loop = new PollingLoop('inbound-processor', () => this.tick(), 250, undefined, this.budget);
    // A finished drain kicks a claim only when a pass found the pool full (the work it could not
    // take is waiting): otherwise every drain's end would cost a scan of the journal for nothing, as
    // new events kick the loop themselves.
    this.pool = new WorkerPool(config.work.inboundConcurrency, () => this.slotFreed(), this.logger);
    this.backoff = { baseMs: config.webhook.retryBaseMs, capMs: 5 * 60_000, maxAttempts: MAX_EVENT_ATTEMPTS };
    this.markDone = persistence.queues.journal.finishingFence('done', () => clock.now());
  }

  onApplicationBootstrap(): void {
    // Picks up whatever a previous process accepted but did not finish (crash between 200 and work).
    this.running = true;
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.waitingOffers.clear();
    this.waitingCount = 0;
    await this.loop.stop();
    await this.pool.drained();
  }

  kick(): void {
    this.loop.kick();
  }

  /** One claim pass and the drains it started, to their end (unit specs; the loop runs passes by itself). */
  async runOnce(): Promise<void> {
    await this.tick();
    await this.pool.drained();
  }

  /**
   * This instance's intake has just committed new events of these conversations: each conversation's
   * head is claimed with one statement (no scan of the journal, no transaction of its own) and drained
   * in a free slot. A conversation being drained here is taken again when its drain ends; with no free
   * slot it waits for one (`waitingOffers`).
   */
  offer(offers: Iterable<InboundOffer>): void {
    if (!this.running) return;
    for (const offer of offers) {
      if (this.draining.has(offer.conversationId)) this.offeredWhileDraining.add(offer.conversationId);
      else if (this.pool.free - this.claiming <= 0) this.waitForSlot(offer);
      else this.startHandOff(offer);
    }
  }

  private waitForSlot({ conversationId, pageId }: InboundOffer): void {
    if (this.waitingCount >= MAX_WAITING_OFFERS) {
      this.starved = true; // the loop's next pass claims it
      return;
    }
    const page = this.waitingOffers.get(pageId) ?? new Set<string>();
    if (page.has(conversationId)) return;
    page.add(conversationId);
    this.waitingOffers.set(pageId, page);
    this.waitingCount += 1;
  }

  private startHandOff({ conversationId, pageId }: InboundOffer): void {
    this.draining.set(conversationId, pageId);
    this.pool.run(() => this.handOff(conversationId));
  }

  /** Hands off waiting offers while there are free slots, one Page's oldest after another's; true when none is left waiting. */
  private takeWaitingOffers(): boolean {
    while (this.waitingCount > 0) {
      if (!this.running || this.pool.free - this.claiming <= 0) return false;
      const [pageId, page] = this.waitingOffers.entries().next().value!;
      const conversationId: string = page.values().next().value!;
      page.delete(conversationId);
      this.waitingCount -= 1;
      this.waitingOffers.delete(pageId);
      if (page.size > 0) this.waitingOffers.set(pageId, page); // to the back of the round
      if (this.draining.has(conversationId)) this.offeredWhileDraining.add(conversationId);
      else this.startHandOff({ conversationId, pageId });
    }
    return true;
  }

  /** Offers are waiting and no claim pass has run for SCAN_SHARE_MS: the next free slot is the scan's. */
  private scanOwed(): boolean {
    return this.waitingCount > 0 && this.clock.now() - this.lastScanAt >= SCAN_SHARE_MS;
  }

  private async handOff(conversationId: string): Promise<void> {
    try {
      await this.budget.turn();
      if (!this.running) return; // shut down while it waited for its turn: the next start claims it
      const work = await this.persistence.queues.journal.claimHead(conversationId, {
        owner: INSTANCE_ID,
        now: this.clock.now(),
        leaseMs: this.config.work.leaseMs,
      });
      if (work) await this.drain(work);
    } finally {
      this.drained(conversationId);
    }
  }

  private drained(conversationId: string): void {
    const pageId = this.draining.get(conversationId);
    this.draining.delete(conversationId);
    if (this.offeredWhileDraining.delete(conversationId) && pageId !== undefined) this.offer([{ conversationId, pageId }]);
  }

  /** A drain ended: waiting offers take its slot first (unless a claim pass is owed its share); a pass is kicked only if one is owed. */
  private slotFreed(): void {
    if (this.scanOwed()) return this.loop.kick(); // the slot stays free for the pass
    if (!this.takeWaitingOffers() || !this.starved) return;
    this.starved = false;
    this.loop.kick();
  }

  /** Claims as many conversations' head events as there are free slots, and starts draining them. */
  private async tick(): Promise<boolean> {
    if (!this.scanOwed() && !this.takeWaitingOffers()) {
      this.starved = true; // the slots went to offered work; a pass follows once no offer waits
      return false;
    }
    const free = this.pool.free;
    if (free <= 0) {
      this.starved = true; // a finishing worker kicks the loop
      return false;
    }
    this.claiming = free;
    const claimed = await this.persistence.queues.journal
      .claim({ owner: INSTANCE_ID, now: this.clock.now(), leaseMs: this.config.work.leaseMs, limit: free })
      .finally(() => (this.claiming = 0));
    this.lastScanAt = this.clock.now();
    for (const work of claimed) {
      const conversationId = work.row.conversation_id;
      if (conversationId) this.draining.set(conversationId, work.row.page_id);
      this.pool.run(() => this.drain(work).finally(() => conversationId && this.drained(conversationId)));
    }
    // Offers made while this pass claimed left its slots alone: those it did not fill are theirs now.
    this.takeWaitingOffers();
    return claimed.length === free;
  }

  /** Applies a conversation's events in order, claiming each next head after the previous is done. */
  private async drain(first: ClaimedWork<InboundEventRow>): Promise<void> {
    const queue = this.persistence.queues.journal;
    const key = first.row.conversation_id ?? `page:${first.row.page_id}`;
    let work: ClaimedWork<InboundEventRow> | undefined = first;
    let applied = 0;
    while (work && applied < MAX_EVENTS_PER_DRAIN) {
      await this.budget.turn();
      const outcome = await this.applyOne(work);
      if (outcome === 'wait') break;
      applied += 1;
      // Most drains are one event long: the statement that marked the event done also told whether
      // the conversation has another event waiting ('none': no claim). When it did not say (the event
      // was finished outside its unit; on PostgreSQL, that nothing waits: see `finishingFence`), a
      // cheap look after the commit (an indexed read, no transaction) stands in. An event arriving
      // after that is offered again once this drain ends (or claimed by its own instance's hand-off,
      // if another instance took it in).
      const conversationId = first.row.conversation_id;
      if (
        conversationId &&
        (outcome === 'none' || (outcome === 'unknown' && !(await this.persistence.repos.journal.hasPending(conversationId))))
      ) {
        work = undefined;
        break;
      }
      const next = { owner: INSTANCE_ID, now: this.clock.now(), leaseMs: this.config.work.leaseMs };
      work = conversationId ? await queue.claimHead(conversationId, next) : (await queue.claim({ ...next, limit: 1, key }))[0];
    }
    // A claimed event we stopped before (drain limit) goes back without counting an attempt.
    if (work && applied >= MAX_EVENTS_PER_DRAIN) {
      await queue.release(work.lease, this.clock.now());
      this.starved = true; // its slot is about to free up: the next pass takes the conversation again
    }
  }

  /**
   * Applies one event. 'wait': the conversation must wait (retry later, or the lease was lost);
   * otherwise the event is finished and its conversation has another event pending ('more'), none
   * ('none'), or that is not known ('unknown').
   */
  private async applyOne(work: ClaimedWork<InboundEventRow>): Promise<'wait' | 'more' | 'none' | 'unknown'> {
    const { row, lease } = work;
    const queue = this.persistence.queues.journal;
    const conversationId = row.conversation_id ?? undefined;
    const leaseMs = this.config.work.leaseMs;
    // Renewed while the turn runs (a slow bot). A renewal that fails means another holder took over:
    // the fenced commit then has no effect and says so (LeaseLostError below). Its result is not
    // logged here, as a renewal that lands just after the event's own commit fails too.
    const renewal = setInterval(() => void queue.renew(lease, this.clock.now(), leaseMs).catch(() => false), leaseMs / 3);
    try {
      const event = JSON.parse(row.event) as InboundEvent;
      return await runWithCorrelation(correlationIdOf(row.dedupe_key), async () => {
        // The event's transaction starts with the fence that marks it done (see ConversationHandler).
        // The claim returned the event's conversation (see JOURNAL_QUEUE): the handler need not read it.
        const conversation = work.related as ConversationRow | undefined;
        const { finished, more } = await runFencedToFinish(lease, this.markDone, () =>
          this.handler.handle(row.id, event, conversationId, conversation),
        );
        if (!finished && !(await queue.complete(lease, 'done', this.clock.now()))) throw new LeaseLostError(lease);
        this.logger.log(`inbound event ${row.id} (${row.channel} ${row.kind}, conversation ${conversationId ?? '-'}) processed`);
        return more === undefined ? 'unknown' : more ? 'more' : 'none';
      });
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.logger.warn(`inbound event ${row.id} (conversation ${conversationId ?? '-'}): ${error.message}; left to the new holder`);
        return 'wait';
      }
      const message = error instanceof Error ? error.message : String(error);
      const attempts = row.attempts + 1;
      const result = await queue.fail(lease, attempts, message, this.clock.now(), this.backoff);
      if (result.outcome === 'dead') {
        this.logger.error(
          `inbound event ${row.id} (${row.kind}, conversation ${conversationId ?? '-'}) parked as dead after ${attempts} attempts: ${message}`,
        );
        if (conversationId && row.kind === 'message')
          await runFenced(lease, () => this.handler.apologize(conversationId, row.event_ts)).catch(() => undefined);
        return 'unknown';
      }
      if (result.outcome === 'retry')
        this.logger.warn(
          `inbound event ${row.id} (${row.kind}, conversation ${conversationId ?? '-'}) failed, attempt ${attempts}: ${message}`,
        );
      return 'wait';
    } finally {
      clearInterval(renewal);
    }
  }

  /** Events claimed and not finished by any instance right now (0 when processing is idle). */
  async inFlight(): Promise<number> {
    return this.persistence.queues.journal.countLeased(this.clock.now());
  }
}
