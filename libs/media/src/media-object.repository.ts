import { Kysely, Selectable } from 'kysely';
import { Repositories } from '@app/persistence';

/**
 * ccm's copy of one inbound attachment or agent's upload (migrations 0553, 0555); the bytes are in the storage driver.
 * `pending`: recorded with its message, not downloaded yet (or its download was interrupted).
 */
export interface MediaObjectsTable {
  key: string;
  message_id: number | null;
  source_url: string;
  status: 'pending' | 'stored' | 'failed';
  content_type: string | null;
  size: number | null;
  error: string | null;
  created_at: number;
  stored_at: number | null;
  /** Attachment type as the webhook declared it (image, video, audio, file…). */
  attachment_type: string | null;
  /** A download is under way (by some instance) until then; past it, a pending row is due again. */
  claimed_until: number | null;
  /** Downloads started (an interrupted one counts). */
  attempts: number;
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

  /** Records an attachment to download (nothing when it is known already: a redelivery). */
  async addPending(row: {
    key: string;
    message_id: number;
    source_url: string;
    attachment_type: string;
    created_at: number;
  }): Promise<void> {
    await this.db
      .insertInto('media_objects')
      .values({
        ...row,
        status: 'pending',
        content_type: null,
        size: null,
        error: null,
        stored_at: null,
        claimed_until: null,
        attempts: 0,
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }

  /** Records a file stored already (an agent's upload: no message, nothing to download). */
  async addStored(row: {
    key: string;
    source_url: string;
    content_type: string;
    size: number;
    attachment_type: string;
    stored_at: number;
  }): Promise<void> {
    await this.db
      .insertInto('media_objects')
      .values({ ...row, message_id: null, status: 'stored', error: null, created_at: row.stored_at, claimed_until: null, attempts: 0 })
      .execute();
  }

  /** Pending downloads nobody holds (never started, or their downloader died), oldest first. */
  async listDue(now: number, limit: number): Promise<MediaObjectRow[]> {
    return this.db
      .selectFrom('media_objects')
      .selectAll()
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }

  /** Takes a pending download until `until`; false when another downloader holds it or it is done. */
  async claim(key: string, now: number, until: number): Promise<MediaObjectRow | undefined> {
    const result = await this.db
      .updateTable('media_objects')
      .set((eb) => ({ claimed_until: until, attempts: eb('attempts', '+', 1) }))
      .where('key', '=', key)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? this.get(key) : undefined;
  }

  async finish(key: string, outcome: Pick<MediaObjectRow, 'status' | 'content_type' | 'size' | 'error' | 'stored_at'>): Promise<void> {
    await this.db
      .updateTable('media_objects')
      .set({ ...outcome, claimed_until: null })
      .where('key', '=', key)
      .execute();
  }
}
