import { Kysely } from 'kysely';
import { AdminAuditRow, Database, PageSettingsRow } from './database.types';
import { PageRowWrites, UNCACHED } from './page-row-cache';

export type PageSettingsPatch = Partial<
  Pick<PageSettingsRow, 'routing_policy' | 'confidence_threshold' | 'low_confidence_turns' | 'business_hours' | 'channel_policies'>
>;

/** Routing settings changed at run time, and the audit trail of every admin change. */
export class PageSettingsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: PageRowWrites = UNCACHED,
  ) {}

  async get(pageId: string): Promise<PageSettingsRow | undefined> {
    return this.db.selectFrom('page_settings').selectAll().where('page_id', '=', pageId).executeTakeFirst();
  }

  /** `get`, for the hot path (every bot turn): served from a short-lived cache (see PageRowCache). */
  async getCached(pageId: string): Promise<PageSettingsRow | undefined> {
    const cache = this.writes.cache;
    return cache ? cache.read('page_settings', pageId, () => this.get(pageId)) : this.get(pageId);
  }

  async upsert(pageId: string, patch: PageSettingsPatch, actor: string, now: number): Promise<void> {
    await this.db
      .insertInto('page_settings')
      .values({
        page_id: pageId,
        routing_policy: null,
        confidence_threshold: null,
        low_confidence_turns: null,
        ...patch,
        updated_at: now,
        updated_by: actor,
      })
      .onConflict((oc) => oc.column('page_id').doUpdateSet({ ...patch, updated_at: now, updated_by: actor }))
      .execute();
    this.writes.written('page_settings', pageId);
  }

  async audit(entry: { actor: string; action: string; target: string; before: unknown; after: unknown }, now: number): Promise<void> {
    await this.db
      .insertInto('admin_audit')
      .values({
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        before_value: JSON.stringify(entry.before ?? null),
        after_value: JSON.stringify(entry.after ?? null),
        created_at: now,
      })
      .execute();
  }

  async auditTrail(limit = 100): Promise<AdminAuditRow[]> {
    return this.db.selectFrom('admin_audit').selectAll().orderBy('id', 'desc').limit(limit).execute();
  }
}
