import { Kysely } from 'kysely';
import { Database } from './database.types';

/**
 * Failed logins per username + IP. Kept in the database (not in memory) so the limit holds across
 * restarts and across instances behind a load balancer.
 */
export class LoginFailureRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(username: string, ip: string, now: number): Promise<void> {
    await this.db.insertInto('login_failures').values({ username, ip, failed_at: now }).execute();
  }

  async countSince(username: string, ip: string, since: number): Promise<number> {
    const row = await this.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('username', '=', username)
      .where('ip', '=', ip)
      .where('failed_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** A successful login forgives earlier failures; old rows are pruned so the table stays small. */
  async clear(username: string, ip: string, olderThan: number): Promise<void> {
    await this.db.deleteFrom('login_failures').where('username', '=', username).where('ip', '=', ip).execute();
    await this.db.deleteFrom('login_failures').where('failed_at', '<', olderThan).execute();
  }
}
