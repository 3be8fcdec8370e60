import { randomUUID } from 'node:crypto';
import { Insertable, Kysely, sql, SqliteAdapter, Updateable } from 'kysely';
import { ConversationKey, ConversationState } from '@app/core';
import { ConversationRow, ConversationsTable, Database } from './database.types';
import { QueryTemplate, templateRows } from './query-template';

// Statements run for every message (see QueryTemplate).
/** The intake's look-up of one conversation by its key (a group commit of one webhook). */
const FIND_ID_BY_KEY = new QueryTemplate((db, channel: string, pageId: string, customerId: string) =>
  db
    .selectFrom('conversations')
    .select(['id', 'channel', 'page_id', 'customer_id'])
    .where('channel', '=', channel as ConversationKey['channel'])
    .where('page_id', '=', pageId)
    .where('customer_id', '=', customerId),
);
const FIND_BY_ID = new QueryTemplate((db, id: string) => db.selectFrom('conversations').selectAll().where('id', '=', id));
const NOTE_USER_EVENT = new QueryTemplate((db, id: string, timestamp: number, now: number) =>
  db
    .updateTable('conversations')
    .set({ last_user_event_at: timestamp, updated_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_user_event_at', 'is', null), eb('last_user_event_at', '<', timestamp)])),
);

/**
 * `lockForUpdate` and `noteUserEvent` in one statement (a bot turn does both): `last_user_event_at`
 * moves forward (never back) and the row, as it is after that, comes back locked until the commit.
 */
const LOCK_NOTING_USER_EVENT = new QueryTemplate((db, id: string, timestamp: number, now: number) => {
  const newer = sql`(last_user_event_at is null or last_user_event_at < ${timestamp})`;
  return db
    .updateTable('conversations')
    .set({
      last_user_event_at: sql<number>`case when ${newer} then ${timestamp} else last_user_event_at end`,
      updated_at: sql<number>`case when ${newer} then ${now} else updated_at end`,
      // The customer wrote after any choices ccm offered (a redelivery is not newer: it leaves them).
      choices_offered_at: sql<number | null>`case when ${newer} then null else choices_offered_at end`,
    })
    .where('id', '=', id)
    .returningAll();
});

/** A new conversation's columns, in `newConversation`'s order (the INSERT templates below write them all). */
const NEW_CONVERSATION_COLUMNS = Object.keys(
  newConversation({ channel: 'messenger', pageId: '', customerId: '' }, 0),
) as (keyof ConversationsTable)[];
/** Rows per conversations INSERT template (up to this many new customers in one statement; more in chunks). */
const CONVERSATION_TEMPLATE_ROWS = 64;
const INSERT_CONVERSATIONS: QueryTemplate<unknown[], { id: string; channel: string; page_id: string; customer_id: string }>[] = [];

/**
 * The group-commit intake's INSERT of `count` new conversations, built once per row count (see
 * QueryTemplate): ignores a key another writer created meanwhile and returns the rows it did insert,
 * so only those other writers' keys need a second read.
 */
function insertConversations(
  count: number,
): QueryTemplate<unknown[], { id: string; channel: string; page_id: string; customer_id: string }> {
  let template = INSERT_CONVERSATIONS[count];
  if (!template) {
    template = new QueryTemplate((db, ...values: unknown[]) =>
      db
        .insertInto('conversations')
        .values(templateRows<ConversationsTable>(NEW_CONVERSATION_COLUMNS, count, values))
        .onConflict((oc) => oc.columns(['channel', 'page_id', 'customer_id']).doNothing())
        .returning(['id', 'channel', 'page_id', 'customer_id']),
    );
    INSERT_CONVERSATIONS[count] = template;
  }
  return template;
}

export class ConversationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Returns the conversation for this key, creating it (state BOT) if it does not exist yet. */
  async ensure(key: ConversationKey, now: number): Promise<ConversationRow> {
    await this.db
      .insertInto('conversations')
      .values(newConversation(key, now))
      .onConflict((oc) => oc.columns(['channel', 'page_id', 'customer_id']).doNothing())
      .execute();
    return this.db
      .selectFrom('conversations')
      .selectAll()
      .where('channel', '=', key.channel)
      .where('page_id', '=', key.pageId)
      .where('customer_id', '=', key.customerId)
      .executeTakeFirstOrThrow();
  }

  /**
   * `ensure` for many keys at once (group-commit intake): one read of the existing ids, then — only
   * for new customers — one multi-row insert (prepared per row count) that ignores rows another
   * writer just created and returns the ids it inserted, and a read of the ids of those other
   * writers' rows only if there are any. New keys are inserted in a fixed order so two concurrent
   * batches on PostgreSQL cannot deadlock on the unique index. Returns id by `conversationKeyString`.
   */
  async ensureMany(keys: readonly ConversationKey[], now: number): Promise<Map<string, string>> {
    const byKey = new Map<string, ConversationKey>();
    for (const key of keys) byKey.set(conversationKeyString(key), key);
    const ids = new Map<string, string>();
    const all = [...byKey.values()];
    for (let i = 0; i < all.length; i += CONVERSATION_INSERT_CHUNK)
      await this.readIds(all.slice(i, i + CONVERSATION_INSERT_CHUNK), byKey, ids);
    const missing = [...byKey.entries()]
      .filter(([key]) => !ids.has(key))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, key]) => key);
    for (let i = 0; i < missing.length; i += CONVERSATION_TEMPLATE_ROWS) {
      const chunk = missing.slice(i, i + CONVERSATION_TEMPLATE_ROWS);
      const values: unknown[] = [];
      for (const key of chunk) {
        const row = newConversation(key, now);
        for (const column of NEW_CONVERSATION_COLUMNS) values.push(row[column]);
      }
      for (const row of await insertConversations(chunk.length).rows(this.db, ...values)) {
        const key = conversationKeyString({
          channel: row.channel as ConversationKey['channel'],
          pageId: row.page_id,
          customerId: row.customer_id,
        });
        if (byKey.has(key)) ids.set(key, row.id);
      }
      const taken = chunk.filter((key) => !ids.has(conversationKeyString(key)));
      if (taken.length > 0) await this.readIds(taken, byKey, ids);
    }
    return ids;
  }

  private async readIds(chunk: readonly ConversationKey[], wanted: Map<string, ConversationKey>, into: Map<string, string>): Promise<void> {
    const rows =
      chunk.length === 1
        ? await FIND_ID_BY_KEY.rows(this.db, chunk[0].channel, chunk[0].pageId, chunk[0].customerId)
        : await this.readIdsOfMany(chunk);
    for (const row of rows) {
      const key = conversationKeyString({
        channel: row.channel as ConversationKey['channel'],
        pageId: row.page_id,
        customerId: row.customer_id,
      });
      if (wanted.has(key)) into.set(key, row.id);
    }
  }

  private readIdsOfMany(chunk: readonly ConversationKey[]) {
    return this.db
      .selectFrom('conversations')
      .select(['id', 'channel', 'page_id', 'customer_id'])
      .where('channel', 'in', [...new Set(chunk.map((k) => k.channel))])
      .where('page_id', 'in', [...new Set(chunk.map((k) => k.pageId))])
      .where('customer_id', 'in', [...new Set(chunk.map((k) => k.customerId))])
      .execute();
  }

  async findById(id: string): Promise<ConversationRow | undefined> {
    return (await FIND_BY_ID.rows(this.db, id))[0];
  }

  /**
   * Re-reads the conversation inside a transaction and row-locks it until the commit (a no-op UPDATE:
   * a row lock on PostgreSQL, and SQLite's writer is held by the transaction anyway), so a state change
   * by the desk can neither slip in between this read and the commit nor be overwritten by it.
   */
  async lockForUpdate(id: string): Promise<ConversationRow | undefined> {
    // SQLite: a transaction holds the only writer until it ends (CcmSqliteDriver; one process per
    // database file), so a plain read is already stable until the commit. The no-op UPDATE would
    // dirty the row and its key index, and the commit would write both pages to the WAL for nothing.
    if (this.db.getExecutor().adapter instanceof SqliteAdapter) return this.findById(id);
    return this.db
      .updateTable('conversations')
      .set({ id: sql`id` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * `lockForUpdate` that also notes the customer's activity at `timestamp` (`noteUserEvent`): one
   * statement where a bot turn ran two. Both columns are set from the row's old values, so
   * `updated_at` changes only when `last_user_event_at` moves forward, as with `noteUserEvent`. On
   * SQLite the row is written (the turn's `noteUserEvent` wrote it anyway) and comes back as stable
   * as `lockForUpdate`'s read: the transaction holds the only writer.
   *
   * For the customer's own message only, stored by the same transaction: when the activity moves
   * forward it also clears `choices_offered_at` (the customer wrote after them). A redelivered or
   * older message leaves it (its message was stored before, or is not the latest).
   */
  async lockNotingUserEvent(id: string, timestamp: number, now: number): Promise<ConversationRow | undefined> {
    return (await LOCK_NOTING_USER_EVENT.rows(this.db, id, timestamp, now))[0];
  }

  async findByIds(ids: readonly string[]): Promise<ConversationRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
  }

  async findByKey(key: ConversationKey): Promise<ConversationRow | undefined> {
    return this.db
      .selectFrom('conversations')
      .selectAll()
      .where('channel', '=', key.channel)
      .where('page_id', '=', key.pageId)
      .where('customer_id', '=', key.customerId)
      .executeTakeFirst();
  }

  async listByState(state: ConversationState): Promise<ConversationRow[]> {
    return this.db.selectFrom('conversations').selectAll().where('state', '=', state).orderBy('queued_at').orderBy('created_at').execute();
  }

  /**
   * Takes the conversation's lease: the database row is the lock that serializes all work on one
   * conversation, across processes and instances. A conditional UPDATE is atomic on SQLite and
   * PostgreSQL alike; an expired lease (crashed holder) can be taken over.
   */
  async tryLease(id: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('conversations')
      .set({ lease_owner: owner, lease_until: now + ttlMs })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('conversations')
      .set({ lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** Moves `last_user_event_at` forward to `timestamp` (never back: events may arrive out of order). One statement, no read. */
  async noteUserEvent(id: string, timestamp: number, now: number): Promise<void> {
    await NOTE_USER_EVENT.execute(this.db, id, timestamp, now);
  }

  async update(id: string, patch: Updateable<ConversationsTable>): Promise<void> {
    await this.db.updateTable('conversations').set(patch).where('id', '=', id).execute();
  }

  // ---- agent desk (issue 7) -------------------------------------------------------------------

  /** Conversations in the given states, optionally only those owned by one agent (queue order first). */
  async listForDesk(states: readonly ConversationState[], assignedAgentId?: string): Promise<ConversationRow[]> {
    let query = this.db
      .selectFrom('conversations')
      .selectAll()
      .where('state', 'in', [...states]);
    if (assignedAgentId !== undefined) query = query.where('assigned_agent_id', '=', assignedAgentId);
    return query.orderBy('queued_at').orderBy('updated_at', 'desc').limit(500).execute();
  }

  /**
   * Applies a state change only if the conversation is still in `expected` (and, when given, still
   * owned by `expectedAgentId`): the conditional UPDATE makes a lost race visible (returns false)
   * instead of silently overwriting what another agent or instance just did.
   */
  async updateIfState(
    id: string,
    expected: ConversationState,
    expectedAgentId: string | null | undefined,
    patch: Updateable<ConversationsTable>,
  ): Promise<boolean> {
    let query = this.db.updateTable('conversations').set(patch).where('id', '=', id).where('state', '=', expected);
    if (expectedAgentId === null) query = query.where('assigned_agent_id', 'is', null);
    else if (expectedAgentId !== undefined) query = query.where('assigned_agent_id', '=', expectedAgentId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Active (state AGENT) conversation count per agent, for push routing's concurrency limit. */
  async activeCountByAgent(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('conversations')
      .select(['assigned_agent_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', '=', 'AGENT')
      .where('assigned_agent_id', 'is not', null)
      .groupBy('assigned_agent_id')
      .execute();
    return new Map(rows.map((r) => [r.assigned_agent_id as string, Number(r.n)]));
  }

  /** Position in the agent queue (1 = next), by time queued. */
  async queuePosition(conversationId: string, queuedAt: number): Promise<number> {
    const row = await this.db
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'QUEUED')
      .where((eb) => eb.or([eb('queued_at', '<', queuedAt), eb.and([eb('queued_at', '=', queuedAt), eb('id', '<=', conversationId)])]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Records what the customer was told about the queue, only if nobody else recorded something in the
   * meantime (another instance's watcher): the caller sends the message only when this returns true.
   */
  async claimQueueNotice(
    id: string,
    expected: { position: number | null; timeoutAt: number | null },
    next: { position: number | null; timeoutAt: number | null },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('conversations')
      .set({ queue_position_told: next.position, queue_timeout_told_at: next.timeoutAt })
      .where('id', '=', id)
      .where('state', '=', 'QUEUED')
      .where((eb) =>
        expected.position === null ? eb('queue_position_told', 'is', null) : eb('queue_position_told', '=', expected.position),
      )
      .where((eb) =>
        expected.timeoutAt === null ? eb('queue_timeout_told_at', 'is', null) : eb('queue_timeout_told_at', '=', expected.timeoutAt),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

/** Keys per read of existing conversations (three `in` lists of up to this many values each). */
const CONVERSATION_INSERT_CHUNK = 200;

/** A stable string for a conversation key (channel, Page, customer). */
export function conversationKeyString(key: ConversationKey): string {
  return `${key.channel}\u0000${key.pageId}\u0000${key.customerId}`;
}

function newConversation(key: ConversationKey, now: number): Insertable<ConversationsTable> {
  return {
    id: randomUUID(),
    channel: key.channel,
    page_id: key.pageId,
    customer_id: key.customerId,
    state: 'BOT',
    handover_reason: null,
    queued_at: null,
    last_user_event_at: null,
    lease_owner: null,
    lease_until: null,
    assigned_agent_id: null,
    customer_profile: null,
    profile_fetched_at: null,
    low_confidence_streak: 0,
    queue_position_told: null,
    queue_timeout_told_at: null,
    created_at: now,
    updated_at: now,
  };
}
