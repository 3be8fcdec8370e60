import { Kysely, Selectable } from 'kysely';
import { Repositories } from '@app/persistence';

/** The Messenger Profile last applied to a Page (migration 0551), with Meta's read-back. */
export interface MessengerProfilesTable {
  page_id: string;
  /** JSON of the profile as configured (payloads unstamped). */
  profile: string;
  /** sha256 of `profile`: the startup apply is skipped when the configured profile is already applied. */
  profile_hash: string;
  /** JSON of what `GET /me/messenger_profile` answered right after applying. */
  read_back: string | null;
  applied_by: string;
  applied_at: number;
}
export type MessengerProfileRow = Selectable<MessengerProfilesTable>;

/** The Messenger channel's own table, bound to the executor of a `Repositories` (pool or transaction). */
export class MessengerProfileRepository {
  private readonly db: Kysely<{ messenger_profiles: MessengerProfilesTable }>;

  constructor(repos: Repositories) {
    this.db = repos.db.withTables<{ messenger_profiles: MessengerProfilesTable }>() as unknown as Kysely<{
      messenger_profiles: MessengerProfilesTable;
    }>;
  }

  async get(pageId: string): Promise<MessengerProfileRow | undefined> {
    return this.db.selectFrom('messenger_profiles').selectAll().where('page_id', '=', pageId).executeTakeFirst();
  }

  async put(row: MessengerProfileRow): Promise<void> {
    const { page_id: _pageId, ...rest } = row;
    await this.db
      .insertInto('messenger_profiles')
      .values(row)
      .onConflict((oc) => oc.column('page_id').doUpdateSet(rest))
      .execute();
  }
}
