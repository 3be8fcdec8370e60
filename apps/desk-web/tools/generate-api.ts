/**
 * Regenerates the desk web app's API types from the app's OpenAPI document:
 * `apps/desk-web/src/api/openapi.json` and `schema.d.ts` (both committed, so building the desk
 * needs no running server). Run after changing any `/api` route or DTO: `npm run desk:api`.
 *
 * `--check` writes nothing: it exits 1 when the committed files differ from what it would write
 * (`test/e2e/desk-api-types.e2e-spec.ts` runs it, so `npm test` catches stale types). The document
 * is compared as data (key order and formatting do not matter), the types as text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { buildDeskOpenApiDocument, DESK_API_DIR, openApiJsonText, schemaText } from './desk-api';

const STALE = 'STALE: the desk web app is typed against outdated API files: run `npm run desk:api` and commit apps/desk-web/src/api';

/** Where two documents differ, as a few JSON paths (for the failure message). */
function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 12 || isDeepStrictEqual(a, b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
      differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}/${key}`, out);
  } else out.push(path || '/');
  return out;
}

function readCommitted(name: string): string | undefined {
  try {
    return readFileSync(join(DESK_API_DIR, name), 'utf8').replace(/\r\n/g, '\n');
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const document = await buildDeskOpenApiDocument();
  const schema = await schemaText(document);
  if (process.argv.includes('--check')) {
    const json = readCommitted('openapi.json');
    const changed = json === undefined ? ['(missing)'] : differences(document, JSON.parse(json));
    const problems = [
      ...(changed.length > 0 ? [`openapi.json differs at: ${changed.join(', ')}`] : []),
      ...(readCommitted('schema.d.ts') !== schema ? ['schema.d.ts is not what openapi-typescript generates from the document'] : []),
    ];
    if (problems.length > 0) {
      console.error([STALE, ...problems].join('\n'));
      process.exit(1);
    }
    console.log('desk API types are up to date');
    return;
  }
  writeFileSync(join(DESK_API_DIR, 'openapi.json'), openApiJsonText(document));
  writeFileSync(join(DESK_API_DIR, 'schema.d.ts'), schema);
  console.log(`wrote ${Object.keys(document.paths as object).length} paths to ${DESK_API_DIR}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
