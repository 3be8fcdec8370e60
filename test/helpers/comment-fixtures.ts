import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphApiDouble } from '@app/graph-double';
import { FIXTURE_EPOCH } from './fixtures';

const COMMENTS = join(__dirname, '..', 'fixtures', 'webhooks', 'comments');
const EPOCH_S = FIXTURE_EPOCH / 1000;

/**
 * Loads a Page feed (comments) webhook scenario. Feed times are Unix SECONDS: every `time` and
 * `created_time` is shifted so the fixture's epoch becomes `now` (the 7-day private-reply rule depends
 * on it); `{{NAME}}` placeholders are filled.
 */
export function loadCommentFixture(name: string, values: Record<string, string | number> = {}, now = Date.now()): unknown {
  let text = readFileSync(join(COMMENTS, `${name}.json`), 'utf8');
  for (const [key, value] of Object.entries(values)) text = text.split(`{{${key}}}`).join(String(value));
  const shift = Math.floor(now / 1000) - EPOCH_S;
  return JSON.parse(text, (key, value: unknown) =>
    (key === 'time' || key === 'created_time') && typeof value === 'number' && value >= EPOCH_S - 30 * 86_400 && value < 1e11
      ? value + shift
      : value,
  );
}

/** Tells the Graph double about every comment a feed webhook adds (Meta knows its comments; the double must be told). */
export function registerComments(graph: GraphApiDouble, body: unknown): void {
  const entries = (body as { entry: { id: string; changes?: { field: string; value: Record<string, unknown> }[] }[] }).entry;
  for (const entry of entries) {
    for (const change of entry.changes ?? []) {
      const v = change.value;
      if (change.field !== 'feed' || v.item !== 'comment' || v.verb !== 'add') continue;
      graph.comments.add({
        id: String(v.comment_id),
        pageId: entry.id,
        postId: String(v.post_id),
        parentId: v.parent_id as string | undefined,
        fromId: String((v.from as { id: string }).id),
        message: String(v.message ?? ''),
        createdTime: Number(v.created_time) * 1000,
      });
    }
  }
}
