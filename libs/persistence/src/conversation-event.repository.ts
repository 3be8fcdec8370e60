import { Insertable, Kysely } from 'kysely';
import { ConversationEventRow, ConversationEventsTable, Database } from './database.types';

/** The audit trail of a conversation: state transitions with who, when and why. */
export class ConversationEventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(event: Insertable<ConversationEventsTable>): Promise<void> {
    await this.db.insertInto('conversation_events').values(event).execute();
  }

  async listForConversation(conversationId: string): Promise<ConversationEventRow[]> {
    return this.db.selectFrom('conversation_events').selectAll().where('conversation_id', '=', conversationId).orderBy('id').execute();
  }
}
