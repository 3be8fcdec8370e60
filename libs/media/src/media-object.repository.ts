import { Kysely, Selectable, sql } from 'kysely';
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

/** `source_url` of an agent's upload: `upload:<file name>` (nothing to download). */
export const UPLOAD_SOURCE = 'upload:';

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

  /**
   * In the transaction that stores an outbound message linking to ccm's copies: each file is marked as
   * used (by its first message: `message_id`), so retention keeps it as long as the transcript. Returns
   * the keys ccm has no stored file for (an upload already pruned, or a made-up key).
   */
  async markUsed(keys: readonly string[], messageId: number): Promise<string[]> {
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const result = await this.db
        .updateTable('media_objects')
        .set((eb) => ({ message_id: eb.fn.coalesce('message_id', eb.val(messageId)) }))
        .where('key', '=', key)
        .where('status', '=', 'stored')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) missing.push(key);
    }
    return missing;
  }

  /**
   * The Page of the conversation whose message first linked the file (`message_id`); null when no
   * message links it (or its message is gone), undefined when there is no such file.
   */
  async pageOfFirstUse(key: string): Promise<string | null | undefined> {
    const { rows } = await sql<{ page_id: string | null }>`select c.page_id from media_objects mo
      left join messages m on m.id = mo.message_id left join conversations c on c.id = m.conversation_id
      where mo.key = ${key}`.execute(this.db);
    return rows.length === 0 ? undefined : rows[0].page_id;
  }

  /** Agents' uploads no message links to, stored before `cutoff` (oldest first). */
  async listUnusedUploads(cutoff: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('media_objects')
      .select('key')
      .where('status', '=', 'stored')
      .where('source_url', 'like', `${UPLOAD_SOURCE}%`)
      .where('message_id', 'is', null)
      .where('created_at', '<', cutoff)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.key);
  }

  /**
   * Forgets an unused upload, only if it is still unused: a send that marked it meanwhile wins (and a
   * send after this finds it gone and is refused), so a file a message links to is never deleted.
   */
  async deleteIfUnused(key: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('media_objects')
      .where('key', '=', key)
      .where('source_url', 'like', `${UPLOAD_SOURCE}%`)
      .where('message_id', 'is', null)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
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
