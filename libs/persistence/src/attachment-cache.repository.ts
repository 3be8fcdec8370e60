import { Kysely } from 'kysely';
import { Database } from './database.types';

/** Which media URL a Page already uploaded, so it is sent by id instead of fetched again. */
export class AttachmentCacheRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The id uploaded after `freshAfter` (older ids have expired at Meta), if any. */
  async find(pageId: string, url: string, freshAfter: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('attachment_cache')
      .select('attachment_id')
      .where('page_id', '=', pageId)
      .where('url', '=', url)
      .where('uploaded_at', '>', freshAfter)
      .executeTakeFirst();
    return row?.attachment_id;
  }

  async put(pageId: string, url: string, attachmentId: string, now: number): Promise<void> {
    await this.db
      .insertInto('attachment_cache')
      .values({ page_id: pageId, url, attachment_id: attachmentId, uploaded_at: now })
      .onConflict((oc) => oc.columns(['page_id', 'url']).doUpdateSet({ attachment_id: attachmentId, uploaded_at: now }))
      .execute();
  }

  /** Meta refused the id (expired or unknown): forget it so the next attempt uploads again. */
  async forget(pageId: string, attachmentId: string): Promise<void> {
    await this.db.deleteFrom('attachment_cache').where('page_id', '=', pageId).where('attachment_id', '=', attachmentId).execute();
  }
}
