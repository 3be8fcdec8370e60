import { Kysely } from 'kysely';
import { ConversationEventRepository } from './conversation-event.repository';
import { ConversationRepository } from './conversation.repository';
import { Database } from './database.types';
import { InboundJournalRepository } from './inbound-journal.repository';
import { MessageRepository } from './message.repository';
import { PageStateRepository } from './page-state.repository';
import { PageSettingsRepository } from './page-settings.repository';
import { AttachmentCacheRepository } from './attachment-cache.repository';
import { AgentRepository } from './agent.repository';
import { BridgeOutboxRepository } from './bridge-outbox.repository';
import { LoginFailureRepository } from './login-failure.repository';
import { OpenDatabase } from './create-database';
import { bindTransaction } from './sqlite-driver';
import { activeFence, assertLeaseHeld, FencedTransactionOptions, FenceFinished } from './work-fence';
import { PageCachedTable, PageRowCache, PageRowWrites, UNCACHED } from './page-row-cache';
import { BRIDGE_QUEUE, JOURNAL_QUEUE, OUTBOX_QUEUE, WorkQueue } from './work-queue';
import { BridgeOutboxRow, InboundEventRow, MessageRow } from './database.types';

/** The repositories, bound to one executor (the pool, or one transaction). */
export class Repositories {
  readonly conversations: ConversationRepository;
  readonly messages: MessageRepository;
  readonly journal: InboundJournalRepository;
  readonly conversationEvents: ConversationEventRepository;
  readonly pageStates: PageStateRepository;
  readonly pageSettings: PageSettingsRepository;
  readonly attachments: AttachmentCacheRepository;
  readonly agents: AgentRepository;
  readonly loginFailures: LoginFailureRepository;
  readonly bridgeOutbox: BridgeOutboxRepository;

  /**
   * The executor these repositories use (the pool or the open transaction): a channel module's own
   * repository (e.g. Page comments) binds to it so its writes join the same unit of work.
   */
  constructor(
    readonly db: Kysely<Database>,
    writes: PageRowWrites = UNCACHED,
  ) {
    this.conversations = new ConversationRepository(db);
    this.messages = new MessageRepository(db);
    this.journal = new InboundJournalRepository(db);
    this.conversationEvents = new ConversationEventRepository(db);
    this.pageStates = new PageStateRepository(db, writes);
    this.pageSettings = new PageSettingsRepository(db, writes);
    this.attachments = new AttachmentCacheRepository(db);
    this.agents = new AgentRepository(db);
    this.loginFailures = new LoginFailureRepository(db);
    this.bridgeOutbox = new BridgeOutboxRepository(db);
  }
}

export interface TransactionOptions extends FencedTransactionOptions {
  /**
   * The intake's group commit (every webhook of the group waits for it): on PostgreSQL it runs on the
   * intake's own connection, never queued behind processing and sending for one of the shared pool's
   * (see INTAKE_CONNECTIONS). The same database and guarantees; on SQLite the same writer.
   */
  intake?: boolean;
}

/**
 * The one data-access entry point. Runs the same code on SQLite and PostgreSQL; `transaction`
 * gives a unit of work whose writes commit together or not at all.
 */
export class PersistenceService {
  readonly repos: Repositories;
  /** The durable work queues (see WorkQueue): claims and fenced state changes run on the pool. */
  readonly queues: {
    readonly journal: WorkQueue<InboundEventRow>;
    readonly outbox: WorkQueue<MessageRow>;
    readonly bridge: WorkQueue<BridgeOutboxRow>;
  };

  /**
   * The journal on the intake's own connection, outside any transaction (PostgreSQL: `INTAKE_CONNECTIONS`;
   * SQLite: the one writer): for a group commit that is one statement (see `InboundJournalRepository.writesInOneStatement`).
   */
  readonly intakeJournal: InboundJournalRepository;

  /** Per-Page rows read on every message (see PageRowCache). */
  private readonly pageRows = new PageRowCache();

  constructor(private readonly open: OpenDatabase) {
    const cache = this.pageRows;
    this.repos = new Repositories(open.db, { cache, written: (table, pageId) => cache.invalidate(table, pageId) });
    this.intakeJournal = new InboundJournalRepository(open.intakeDb ?? open.db);
    this.queues = {
      journal: new WorkQueue(open.db, open.dialect, JOURNAL_QUEUE),
      outbox: new WorkQueue(open.db, open.dialect, OUTBOX_QUEUE),
      bridge: new WorkQueue(open.db, open.dialect, BRIDGE_QUEUE),
    };
  }

  get dialect(): OpenDatabase['dialect'] {
    return this.open.dialect;
  }

  /** Raw Kysely access, for tests and admin queries. Feature code goes through repositories. */
  get db(): Kysely<Database> {
    return this.open.db;
  }

  /**
   * Inside a unit of durable work (`runFenced`), a transaction first checks that the work's lease is
   * still held (and row-locks it), so a holder that lost its lease commits nothing; under
   * `runFencedToFinish` the check of the transaction opened with `finishesWork` (the one carrying the
   * work's effects) is the statement that finishes the work.
   */
  async transaction<T>(work: (repos: Repositories) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const fence = activeFence();
    // Under runFencedToFinish only the transaction with the work's effects finishes it (and spends the fence).
    const finish = fence?.finish && options.finishesWork ? fence.finish : undefined;
    const cache = this.pageRows;
    const written: [PageCachedTable, string][] = [];
    const writes: PageRowWrites = {
      cache,
      written(table, pageId) {
        cache.invalidate(table, pageId);
        written.push([table, pageId]);
      },
    };
    let finished: FenceFinished | undefined;
    try {
      const db = (options.intake && this.open.intakeDb) || this.open.db;
      const result = await db.transaction().execute(async (trx) => {
        bindTransaction(trx);
        if (fence) finished = await assertLeaseHeld(trx, fence.lease, finish);
        return work(new Repositories(trx, writes));
      });
      if (fence && (finish || !fence.finish)) fence.spent = true;
      if (fence && finish) fence.finished = finished;
      return result;
    } finally {
      // Committed (or rolled back): drop again what a read during the transaction may have cached.
      for (const [table, pageId] of written) cache.invalidate(table, pageId);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.open.db.destroy(), this.open.intakeDb?.destroy()]);
  }
}
