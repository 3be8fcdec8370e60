/** The per-Page tables read on every message (token and health; routing settings). */
export type PageCachedTable = 'page_states' | 'page_settings';

/**
 * A short-lived cache of per-Page rows that every message would otherwise read (the token before
 * each Graph call, the routing settings before each bot turn). This instance's own writes drop the
 * entry at once — and again after the writing transaction commits, so a read that raced the write
 * cannot keep the old row; another instance's writes are seen within `ttlMs`.
 */
export class PageRowCache {
  private readonly rows = new Map<string, { row: unknown; at: number }>();

  constructor(
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async read<Row>(table: PageCachedTable, pageId: string, load: () => Promise<Row>): Promise<Row> {
    const key = `${table}\u0000${pageId}`;
    const hit = this.rows.get(key);
    const now = this.now();
    if (hit && now - hit.at < this.ttlMs) return hit.row as Row;
    const row = await load();
    this.rows.set(key, { row, at: now });
    return row;
  }

  invalidate(table: PageCachedTable, pageId: string): void {
    this.rows.delete(`${table}\u0000${pageId}`);
  }
}

/** How repositories report a write to a cached per-Page row (see `PersistenceService.transaction`). */
export interface PageRowWrites {
  readonly cache?: PageRowCache;
  written(table: PageCachedTable, pageId: string): void;
}

/** Repositories used without a cache (tests, tools): nothing to report. */
export const UNCACHED: PageRowWrites = { written: () => undefined };
