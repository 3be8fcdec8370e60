import { Generated, Kysely, Selectable, sql } from 'kysely';
import { ConversationState } from '@app/core';
import { ConversationRow, Database, MessageRow, Repositories } from '@app/persistence';

/** Private notes: agents only, never sent to the customer (migration 0500). */
export interface DeskNotesTable {
  id: Generated<number>;
  conversation_id: string;
  agent_id: string;
  author_name: string;
  text: string;
  created_at: number;
}

/** Canned responses, managed by supervisors, inserted with `/shortcut` (migration 0500). */
export interface DeskCannedResponsesTable {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  updated_by: string;
  created_at: number;
  updated_at: number;
}

export type DeskNoteRow = Selectable<DeskNotesTable>;
export type CannedResponseRow = Selectable<DeskCannedResponsesTable>;
type DeskDatabase = Database & { desk_notes: DeskNotesTable; desk_canned_responses: DeskCannedResponsesTable };

/** The desk's own queries and tables, bound to the executor of `repos` (pool or transaction). */
export class DeskRepository {
  private readonly db: Kysely<DeskDatabase>;

  constructor(repos: Repositories) {
    this.db = repos.db.withTables<{ desk_notes: DeskNotesTable; desk_canned_responses: DeskCannedResponsesTable }>();
  }

  /** The newest message of each conversation (list previews). */
  async lastMessages(conversationIds: readonly string[]): Promise<Map<string, MessageRow>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('messages')
          .select((e) => e.fn.max('id').as('id'))
          .where('conversation_id', 'in', [...conversationIds])
          .groupBy('conversation_id'),
      )
      .execute();
    return new Map(rows.map((r) => [r.conversation_id, r]));
  }

  /** Conversations in `states` whose customer name, customer id (PSID) or any message text contains `q`. */
  async search(states: readonly ConversationState[], q: string, assignedAgentId?: string, limit = 100): Promise<ConversationRow[]> {
    const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    let query = this.db
      .selectFrom('conversations')
      .selectAll()
      .where('state', 'in', [...states])
      .where((eb) =>
        eb.or([
          eb(sql`lower(customer_id)`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(coalesce(customer_profile, ''))`, 'like', sql`${pattern} escape '\\'`),
          eb(
            'id',
            'in',
            eb
              .selectFrom('messages')
              .select('conversation_id')
              .where(sql`lower(coalesce(text, ''))`, 'like', sql`${pattern} escape '\\'`),
          ),
        ]),
      );
    if (assignedAgentId !== undefined) query = query.where('assigned_agent_id', '=', assignedAgentId);
    return query.orderBy('updated_at', 'desc').limit(limit).execute();
  }

  async addNote(note: Omit<DeskNoteRow, 'id'>): Promise<DeskNoteRow> {
    const row = await this.db.insertInto('desk_notes').values(note).returningAll().executeTakeFirstOrThrow();
    return { ...row, id: Number(row.id) };
  }

  async notes(conversationId: string): Promise<DeskNoteRow[]> {
    const rows = await this.db.selectFrom('desk_notes').selectAll().where('conversation_id', '=', conversationId).orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async cannedResponses(): Promise<CannedResponseRow[]> {
    return this.db.selectFrom('desk_canned_responses').selectAll().orderBy('shortcut').execute();
  }

  async cannedResponse(id: string): Promise<CannedResponseRow | undefined> {
    return this.db.selectFrom('desk_canned_responses').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async cannedByShortcut(shortcut: string): Promise<CannedResponseRow | undefined> {
    return this.db.selectFrom('desk_canned_responses').selectAll().where('shortcut', '=', shortcut).executeTakeFirst();
  }

  async insertCanned(row: CannedResponseRow): Promise<void> {
    await this.db.insertInto('desk_canned_responses').values(row).execute();
  }

  async updateCanned(id: string, patch: Partial<Omit<CannedResponseRow, 'id' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('desk_canned_responses').set(patch).where('id', '=', id).execute();
  }

  async deleteCanned(id: string): Promise<void> {
    await this.db.deleteFrom('desk_canned_responses').where('id', '=', id).execute();
  }
}
