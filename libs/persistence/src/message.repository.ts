import { Compilable, Kysely, sql } from 'kysely';
import { ConversationRow, Database, MessageRow, NewMessage } from './database.types';
import { QueryTemplate } from './query-template';

// Statements run for every message (see QueryTemplate).
const FIND_BY_ID = new QueryTemplate((db, id: number) => db.selectFrom('messages').selectAll().where('id', '=', id));
const LATEST = new QueryTemplate((db, conversationId: string, limit: number) =>
  db
    .selectFrom('messages')
    .select(['id', 'direction', 'author', 'text', 'content'])
    .where('conversation_id', '=', conversationId)
    .orderBy('id', 'desc')
    .limit(limit),
);

/** What `outboundSinceLastInbound` reads of each message (not the whole row: it runs for every customer message). */
export type SaidMessage = Pick<MessageRow, 'id' | 'direction' | 'author' | 'text' | 'content'>;

/**
 * The INSERTs of messages, built once per set of columns (two per answered message: the customer's and
 * the reply; see QueryTemplate). `once`: a second row with the same (conversation, `mid`) is ignored.
 */
const INSERTS = new Map<string, QueryTemplate<unknown[], { id: number }>>();

function insertMessage(db: Kysely<Database>, message: NewMessage, once: boolean): Promise<{ id: number }[]> {
  const values = message as Record<string, unknown>;
  const columns = Object.keys(values).filter((column) => values[column] !== undefined);
  const shape = `${once ? 'once' : 'new'}:${columns.join(',')}`;
  let template = INSERTS.get(shape);
  if (!template) {
    template = new QueryTemplate((db, ...values: unknown[]) => {
      const row = Object.fromEntries(columns.map((column, i) => [column, values[i]])) as NewMessage;
      const insert = db.insertInto('messages').values(row);
      return (once ? insert.onConflict((oc) => oc.columns(['conversation_id', 'mid']).doNothing()) : insert).returning('id');
    });
    INSERTS.set(shape, template);
  }
  return template.rows(db, ...columns.map((column) => values[column]));
}

/**
 * The INSERT of an outbound message leased at once to the sender that will send it, when it is its
 * conversation's head: the claim's ordering rule (no other outbound message of the conversation
 * queued before it, leased or not) checked in the statement itself. Built once per set of columns.
 */
const LEASED_INSERTS = new Map<string, QueryTemplate<unknown[], MessageRow & TargetColumns>>();

/** What a send needs of its conversation (the target: who, on which Page, and Meta's rules in force). */
export type ConversationTarget = Pick<
  ConversationRow,
  'id' | 'channel' | 'page_id' | 'customer_id' | 'last_user_event_at' | 'ads_message_at' | 'thread_owner'
>;

const TARGET_COLUMNS = ['channel', 'page_id', 'customer_id', 'last_user_event_at', 'ads_message_at', 'thread_owner'] as const;
type TargetColumns = { [K in (typeof TARGET_COLUMNS)[number] as `target_${K}`]: ConversationRow[K] };

function insertLeased(db: Kysely<Database>, message: NewMessage, owner: string, until: number): Promise<(MessageRow & TargetColumns)[]> {
  const values = message as Record<string, unknown>;
  const columns = Object.keys(values).filter((column) => values[column] !== undefined && !column.startsWith('lease_'));
  const shape = columns.join(',');
  let template = LEASED_INSERTS.get(shape);
  if (!template) {
    template = new QueryTemplate((db, ...args: unknown[]) => {
      const [owner, until, ...rest] = args;
      const row = Object.fromEntries(columns.map((column, i) => [column, rest[i]])) as Record<string, unknown>;
      // (The conversation is a parameter, so the subquery is not correlated: SQLite runs it once.)
      const busy = sql`exists (
        select 1 from messages p where p.conversation_id = ${row.conversation_id} and p.status = 'queued' and p.direction = 'out'
      )`;
      return (
        db
          .insertInto('messages')
          .values({
            ...(row as unknown as NewMessage),
            lease_owner: sql<string | null>`case when ${busy} then null else cast(${owner} as varchar(64)) end`,
            lease_until: sql<number | null>`case when ${busy} then null else cast(${until} as bigint) end`,
            lease_epoch: sql<number>`case when ${busy} then 0 else 1 end`,
          })
          .returningAll()
          // The conversation as this transaction leaves it (the writes of the unit that queued the
          // reply come before it): the sender needs no read of its own.
          .returning(
            TARGET_COLUMNS.map((column) =>
              sql<unknown>`(select c.${sql.raw(column)} from conversations c where c.id = ${row.conversation_id})`.as(`target_${column}`),
            ),
          ) as unknown as Compilable<MessageRow & TargetColumns>
      );
    });
    LEASED_INSERTS.set(shape, template);
  }
  return template.rows(db, owner, until, ...columns.map((column) => values[column]));
}

export class MessageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a message once: a second delivery of the same `mid` is ignored. Returns the new id, if any. */
  async insertOnce(message: NewMessage): Promise<number | undefined> {
    const [inserted] = await insertMessage(this.db, message, true);
    return inserted === undefined ? undefined : Number(inserted.id);
  }

  /** Adds a message to the outbox (status `queued`); the dispatcher sends it. Returns its id. */
  async enqueue(message: Omit<NewMessage, 'status' | 'direction'>): Promise<number> {
    const [row] = await insertMessage(
      this.db,
      { ...message, direction: 'out', status: 'queued', next_attempt_at: message.next_attempt_at ?? message.created_at },
      false,
    );
    if (!row) throw new Error('the outbound message was not stored');
    return Number(row.id);
  }

  /**
   * `enqueue` for this instance's sender, which will send the message itself: stored already leased
   * to `lease.owner` (epoch 1, until `lease.until`) when it is its conversation's head — no other
   * outbound message of the conversation queued — so it needs no claim; else queued as usual.
   * Returns the stored row (`lease_owner` tells which).
   *
   * Correct only with one writer at a time (SQLite, where the caller's transaction holds the only
   * write lock). Under PostgreSQL's READ COMMITTED the head check cannot see another transaction's
   * uncommitted reply to the same conversation (a desk agent's send takes no conversation lock), so
   * two could both be stored leased and sent side by side; the outbox uses this on SQLite only.
   */
  async enqueueLeased(
    message: Omit<NewMessage, 'status' | 'direction'>,
    lease: { owner: string; until: number },
  ): Promise<{ row: MessageRow; conversation: ConversationTarget }> {
    const [stored] = await insertLeased(
      this.db,
      { ...message, direction: 'out', status: 'queued', next_attempt_at: message.next_attempt_at ?? message.created_at },
      lease.owner,
      lease.until,
    );
    if (!stored) throw new Error('the outbound message was not stored');
    const {
      target_channel,
      target_page_id,
      target_customer_id,
      target_last_user_event_at,
      target_ads_message_at,
      target_thread_owner,
      ...row
    } = stored;
    return {
      row,
      conversation: {
        id: row.conversation_id,
        channel: target_channel,
        page_id: target_page_id,
        customer_id: target_customer_id,
        last_user_event_at: target_last_user_event_at,
        ads_message_at: target_ads_message_at,
        thread_owner: target_thread_owner,
      },
    };
  }

  /**
   * What ccm said since the customer last wrote (newest first, at most `limit`): the question a typed
   * answer may be answering.
   */
  async outboundSinceLastInbound(conversationId: string, limit = 5): Promise<SaidMessage[]> {
    // The latest messages, cut at the customer's last one: a range of the (conversation_id, id) index.
    // (A subquery for the last inbound id read every message of the conversation to find it.)
    const latest = await LATEST.rows(this.db, conversationId, limit);
    const customerWrote = latest.findIndex((m) => m.direction === 'in');
    return customerWrote === -1 ? latest : latest.slice(0, customerWrote);
  }

  /** Meta's id of the customer's latest message in the conversation (what an answer written now answers). */
  async latestInboundMid(conversationId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .select('mid')
      .where('conversation_id', '=', conversationId)
      .where('direction', '=', 'in')
      .where('mid', 'is not', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.mid ?? undefined;
  }

  async listForConversation(conversationId: string): Promise<MessageRow[]> {
    return this.db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).orderBy('id').execute();
  }

  /** The customer's first message at or after `since` (e.g. the answer to a question sent then). */
  async firstInboundSince(conversationId: string, since: number): Promise<MessageRow | undefined> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('direction', '=', 'in')
      .where('created_at', '>=', since)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  }

  async findById(id: number): Promise<MessageRow | undefined> {
    return (await FIND_BY_ID.rows(this.db, id))[0];
  }

  async markSent(id: number, mid: string | null, now: number): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ status: 'sent', mid, sent_at: now, lease_until: null, attempts: sql`attempts + 1`, error: null })
      .where('id', '=', id)
      .execute();
  }

  /**
   * A Page can send again (a new token, a block lifted): its outbound messages held back until `until`
   * (a paused Page's messages are given back for a few seconds at a time) are due now. Returns how many.
   */
  async dueNowForPage(pageId: string, now: number, until: number): Promise<number> {
    const result = await this.db
      .updateTable('messages')
      .set({ next_attempt_at: now })
      .where('direction', '=', 'out')
      .where('status', '=', 'queued')
      .where('lease_until', 'is', null)
      .where('next_attempt_at', '>', now)
      .where('next_attempt_at', '<=', until)
      .where('conversation_id', 'in', (db) =>
        db.selectFrom('conversations').select('conversations.id').where('conversations.page_id', '=', pageId),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Records Meta's id on our own outbound message (from its echo) when the send response lacked it. */
  async attachMid(id: number, conversationId: string, mid: string): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ mid })
      .where('id', '=', id)
      .where('conversation_id', '=', conversationId)
      .where('mid', 'is', null)
      .execute();
  }

  /** A customer edited a message: same `mid`, new text. Returns the id of the stored message that changed, if any. */
  async applyEdit(conversationId: string, mid: string, text: string, at: number): Promise<number | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set({ text, edited_at: at })
      .where('conversation_id', '=', conversationId)
      .where('mid', '=', mid)
      .returning('id')
      .executeTakeFirst();
    return row ? Number(row.id) : undefined;
  }

  /**
   * The customer reacted to a message (`emoji`) or removed their reaction (null). A reaction older
   * than the stored one is ignored (webhooks may arrive out of order). Returns the id of the message
   * that changed, if any.
   */
  async applyReaction(conversationId: string, mid: string, emoji: string | null, at: number): Promise<number | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set({ customer_reaction: emoji, customer_reaction_at: at })
      .where('conversation_id', '=', conversationId)
      .where('mid', '=', mid)
      .where((eb) => eb.or([eb('customer_reaction_at', 'is', null), eb('customer_reaction_at', '<=', at)]))
      .returning('id')
      .executeTakeFirst();
    return row ? Number(row.id) : undefined;
  }

  /**
   * Watermark semantics of delivery/read receipts: every outbound message sent at or before the
   * watermark (or named in `mids`) moves forward to `status`; a read message never goes back to
   * delivered. Returns the ids that changed.
   */
  async advanceStatus(
    conversationId: string,
    status: 'delivered' | 'read',
    watermark: number | undefined,
    mids: readonly string[] = [],
  ): Promise<number[]> {
    const from = status === 'read' ? ['sent', 'delivered'] : ['sent'];
    const rows = await this.db
      .updateTable('messages')
      .set({ status })
      .where('conversation_id', '=', conversationId)
      .where('direction', '=', 'out')
      .where('status', 'in', from as ('sent' | 'delivered')[])
      .where((eb) => {
        const conditions = [];
        if (watermark !== undefined) conditions.push(eb('sent_at', '<=', watermark));
        if (mids.length > 0) conditions.push(eb('mid', 'in', [...mids]));
        return conditions.length > 0 ? eb.or(conditions) : eb.val(false);
      })
      .returning('id')
      .execute();
    return rows.map((r) => Number(r.id));
  }

  // ---- agent desk (issue 7) -------------------------------------------------------------------

  /** Inbound (customer) messages after each conversation's `agent_seen_message_id`: the desk's unread counts. */
  async unreadCounts(conversationIds: readonly string[]): Promise<Map<string, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select(['m.conversation_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('m.conversation_id', 'in', [...conversationIds])
      .where('m.direction', '=', 'in')
      .where((eb) => eb('m.id', '>', eb.fn.coalesce('c.agent_seen_message_id', sql<number>`0`)))
      .groupBy('m.conversation_id')
      .execute();
    return new Map(rows.map((r) => [r.conversation_id, Number(r.n)]));
  }

  async lastId(conversationId: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', conversationId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.id) : undefined;
  }
}
