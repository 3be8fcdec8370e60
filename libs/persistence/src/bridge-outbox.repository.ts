import { Kysely } from 'kysely';
import { BridgeOutboxRow, Database } from './database.types';

export interface NewBridgeEvent {
  dedupeKey: string;
  conversationId: string;
  eventType: string;
  messageId: number | null;
  payload: string;
  now: number;
}

/** The durable outbox of events for the external chat server (posted in order, retried until delivered). */
export class BridgeOutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds an event once (the dedupe key makes a second add a no-op); returns whether it was new. */
  async add(event: NewBridgeEvent): Promise<boolean> {
    const row = await this.db
      .insertInto('bridge_outbox')
      .values({
        dedupe_key: event.dedupeKey,
        conversation_id: event.conversationId,
        event_type: event.eventType,
        message_id: event.messageId,
        payload: event.payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: event.now,
        lease_until: null,
        last_error: null,
        created_at: event.now,
        delivered_at: null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Events that may be posted now: per conversation only the oldest pending one, so the chat server
   * sees a conversation's events in order even across retries.
   */
  async due(now: number, limit: number): Promise<BridgeOutboxRow[]> {
    return this.db
      .selectFrom('bridge_outbox as e')
      .selectAll('e')
      .where('e.status', '=', 'pending')
      .where('e.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('e.lease_until', 'is', null), eb('e.lease_until', '<', now)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('bridge_outbox as p')
              .select('p.id')
              .whereRef('p.conversation_id', '=', 'e.conversation_id')
              .where('p.status', '=', 'pending')
              .whereRef('p.id', '<', 'e.id'),
          ),
        ),
      )
      .orderBy('e.id')
      .limit(limit)
      .execute();
  }

  async claim(id: number, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('bridge_outbox')
      .set({ lease_until: now + leaseMs })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markDelivered(id: number, attempts: number, now: number): Promise<void> {
    await this.db
      .updateTable('bridge_outbox')
      .set({ status: 'delivered', attempts, delivered_at: now, lease_until: null, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async scheduleRetry(id: number, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.db
      .updateTable('bridge_outbox')
      .set({ attempts, next_attempt_at: nextAttemptAt, lease_until: null, last_error: error })
      .where('id', '=', id)
      .execute();
  }

  /** The hand-over event of a conversation's current queue stay, if any (its transcript ends at `message_id`). */
  async lastOfType(conversationId: string, eventType: string): Promise<BridgeOutboxRow | undefined> {
    return this.db
      .selectFrom('bridge_outbox')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('event_type', '=', eventType)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async list(): Promise<BridgeOutboxRow[]> {
    return this.db.selectFrom('bridge_outbox').selectAll().orderBy('id').execute();
  }
}
