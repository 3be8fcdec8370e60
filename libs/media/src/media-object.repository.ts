import { Kysely, Selectable } from 'kysely';
import { Repositories } from '@app/persistence';

/** ccm's copy of one inbound attachment (migration 0553); the bytes are in the storage driver. */
export interface MediaObjectsTable {
  key: string;
  message_id: number | null;
  source_url: string;
  status: 'stored' | 'failed';
  content_type: string | null;
  size: number | null;
  error: string | null;
  created_at: number;
  stored_at: number | null;
}
export type MediaObjectRow = Selectable<MediaObjectsTable>;

export class MediaObjectRepository {
  private readonly db: Kysely<{ media_objects: MediaObjectsTable }>;

  constructor(repos: Repositories) {
    this.db = repos.db.withTables<{ media_objects: MediaObjectsTable }>() as unknown as Kysely<{ media_objects: MediaObjectsTable }>;
  }

  async get(key: string): Promise<MediaObjectRow | undefined> {
    return this.db.selectFrom('media_objects').selectAll().where('key', '=', key).executeTakeFirst();
  }

  async put(row: MediaObjectRow): Promise<void> {
    const { key: _key, ...rest } = row;
    await this.db
      .insertInto('media_objects')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet(rest))
      .execute();
  }
}
