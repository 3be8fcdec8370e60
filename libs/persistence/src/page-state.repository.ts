import { Kysely } from 'kysely';
import { Database, PageStateRow } from './database.types';
import { PageRowWrites, UNCACHED } from './page-row-cache';

/** Per-Page health shared by all instances: token validity, Meta policy blocks, a replacement token. */
export class PageStateRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: PageRowWrites = UNCACHED,
  ) {}

  async get(pageId: string): Promise<PageStateRow | undefined> {
    return this.db.selectFrom('page_states').selectAll().where('page_id', '=', pageId).executeTakeFirst();
  }

  /** `get`, for the hot path (a Graph call, a send): served from a short-lived cache (see PageRowCache). */
  async getCached(pageId: string): Promise<PageStateRow | undefined> {
    const cache = this.writes.cache;
    return cache ? cache.read('page_states', pageId, () => this.get(pageId)) : this.get(pageId);
  }

  async list(): Promise<PageStateRow[]> {
    return this.db.selectFrom('page_states').selectAll().orderBy('page_id').execute();
  }

  async markTokenInvalid(pageId: string, error: string, now: number): Promise<void> {
    await this.upsert(pageId, { token_status: 'invalid', token_error: error, updated_at: now });
  }

  /** A new token (admin API) or a successful check makes the Page sendable again. */
  async markTokenValid(pageId: string, now: number, accessToken?: string): Promise<void> {
    await this.upsert(pageId, {
      token_status: 'valid',
      token_error: null,
      updated_at: now,
      ...(accessToken ? { access_token: accessToken } : {}),
    });
  }

  async setBlocked(pageId: string, blocked: boolean, reason: string | null, now: number): Promise<void> {
    await this.upsert(pageId, { blocked: blocked ? 1 : 0, block_reason: reason, updated_at: now });
  }

  /** The outcome of a `subscribed_apps` check (subscription health). */
  async setSubscription(pageId: string, status: 'ok' | 'missing', problem: string | null, now: number): Promise<void> {
    await this.upsert(pageId, {
      subscription_status: status,
      subscription_problem: problem,
      subscription_checked_at: now,
      updated_at: now,
    });
  }

  private async upsert(pageId: string, patch: Partial<Omit<PageStateRow, 'page_id'>> & { updated_at: number }): Promise<void> {
    await this.db
      .insertInto('page_states')
      .values({ page_id: pageId, token_status: 'valid', token_error: null, access_token: null, blocked: 0, block_reason: null, ...patch })
      .onConflict((oc) => oc.column('page_id').doUpdateSet(patch))
      .execute();
    this.writes.written('page_states', pageId);
  }
}
