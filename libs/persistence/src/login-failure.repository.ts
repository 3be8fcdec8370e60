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

  /**
   * Counts an attempt before its password is checked (returns its row id), so parallel attempts see
   * each other: `rank` then orders them by id, and only those within the limit are checked.
   */
  async reserve(username: string, ip: string, now: number): Promise<number> {
    const row = await this.db
      .insertInto('login_failures')
      .values({ username, ip, failed_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Attempts (failed or in flight) for this username, and for this IP, since `since`, up to and including row `id`. */
  async rank(id: number, username: string, ip: string, since: number): Promise<{ byUsername: number; byIp: number; oldest: number }> {
    const count = (column: 'username' | 'ip', value: string) =>
      this.db
        .selectFrom('login_failures')
        .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('failed_at').as('oldest')])
        .where(column, '=', value)
        .where('failed_at', '>=', since)
        .where('id', '<=', id)
        .executeTakeFirstOrThrow();
    const [byUsername, byIp] = await Promise.all([count('username', username), count('ip', ip)]);
    return {
      byUsername: Number(byUsername.n),
      byIp: Number(byIp.n),
      oldest: Math.min(Number(byUsername.oldest ?? Infinity), Number(byIp.oldest ?? Infinity)),
    };
  }

  /** The oldest attempt still counted against this username or IP (for Retry-After). */
  async oldestSince(username: string, ip: string, since: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.min('failed_at').as('oldest'))
      .where((eb) => eb.or([eb('username', '=', username), eb('ip', '=', ip)]))
      .where('failed_at', '>=', since)
      .executeTakeFirst();
    return row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest);
  }

  async remove(id: number): Promise<void> {
    await this.db.deleteFrom('login_failures').where('id', '=', id).execute();
  }

  /** A successful login forgives the username's earlier failures (from any address). */
  async forgive(username: string, olderThan: number): Promise<void> {
    await this.db.deleteFrom('login_failures').where('username', '=', username).execute();
    await this.db.deleteFrom('login_failures').where('failed_at', '<', olderThan).execute();
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
