import { Insertable, Kysely, Updateable } from 'kysely';
import { AgentRow, AgentsTable, Database } from './database.types';

/** Agents of the embedded desk: credentials, role, availability and presence heartbeat. */
export class AgentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(agent: Insertable<AgentsTable>): Promise<void> {
    await this.db.insertInto('agents').values(agent).execute();
  }

  async findById(id: string): Promise<AgentRow | undefined> {
    return this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByUsername(username: string): Promise<AgentRow | undefined> {
    return this.db.selectFrom('agents').selectAll().where('username', '=', username).executeTakeFirst();
  }

  async list(): Promise<AgentRow[]> {
    return this.db.selectFrom('agents').selectAll().orderBy('username').execute();
  }

  async update(id: string, patch: Updateable<AgentsTable>): Promise<void> {
    await this.db.updateTable('agents').set(patch).where('id', '=', id).execute();
  }

  /** Presence heartbeat for agents with an open desk on this instance. */
  async touch(ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('agents')
      .set({ last_seen_at: now })
      .where('id', 'in', [...ids])
      .execute();
  }

  /** Agents who can take a conversation now: available, not disabled, and their desk seen since `seenSince`. */
  async countAvailable(seenSince: number): Promise<number> {
    const row = await this.db
      .selectFrom('agents')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'available')
      .where('disabled', '=', 0)
      .where('last_seen_at', '>=', seenSince)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
