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
