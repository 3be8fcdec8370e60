import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createAgentDeskOpenApiDocument } from '@app/agent-desk';
import { ADMIN_KEY } from '../helpers/agent-desk-client';
import { CcmHarness, PAGE_ID, startCcm } from '../helpers/ccm-harness';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, unknown>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

function operationsOf(document: OpenAPIObject): { method: string; path: string; op: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((method) => ({
      method,
      path,
      op: (item as Record<string, Operation>)[method],
    })),
  );
}

describe('OpenAPI document of /api (served at /api/docs-json; the desk’s types are generated from it)', () => {
  let h: CcmHarness;
  let document: OpenAPIObject;

  beforeAll(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY } });
    document = createAgentDeskOpenApiDocument(h.app);
  });
  afterAll(() => h.close());

  it('should give every route a summary and a tag, with one tag naming scheme', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(30);
    const missing = operations.filter(({ op }) => !op.summary?.trim() || !op.tags?.length).map(({ method, path }) => `${method} ${path}`);
    expect(missing).toEqual([]);
    // Tags are lower-case words; every admin route is tagged `admin: …` and nothing else is.
    for (const { path, op } of operations) {
      for (const tag of op.tags!) expect([path, tag]).toEqual([path, expect.stringMatching(/^[a-z][a-z :-]*$/)]);
      expect([path, op.tags!.every((t) => t.startsWith('admin: '))]).toEqual([path, path.startsWith('/api/admin/')]);
    }
  });

  it('should declare the x-admin-key scheme on every admin route, and the routes should really require it', async () => {
    expect(document.components?.securitySchemes?.['admin-key']).toEqual({ type: 'apiKey', in: 'header', name: 'x-admin-key' });
    const admin = operationsOf(document).filter(({ path }) => path.startsWith('/api/admin/'));
    expect(admin.length).toBeGreaterThanOrEqual(15);
    for (const { method, path, op } of admin) {
      expect([method, path, op.security]).toEqual([method, path, expect.arrayContaining([{ 'admin-key': [] }])]);
      const url = `${h.url}${path.replace('{pageId}', PAGE_ID).replace('{id}', '1')}`;
      const init = {
        method: method.toUpperCase(),
        headers: { 'content-type': 'application/json' },
        body: method === 'get' ? undefined : '{}',
      };
      expect([method, path, (await fetch(url, init)).status]).toEqual([method, path, 401]);
      const wrongKey = await fetch(url, { ...init, headers: { ...init.headers, 'x-admin-key': 'not-the-key-0123456789' } });
      expect([method, path, wrongKey.status]).toEqual([method, path, 401]);
    }
  });

  it('should describe every JSON request body with its properties (no empty body schemas)', () => {
    const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
    const resolve = (schema: Schema | undefined): Schema | undefined =>
      schema?.$ref ? schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
    const withBody = operationsOf(document).filter(({ op }) => op.requestBody?.content?.['application/json']);
    // The one raw-bytes body (an agent's file upload) is described as binary instead.
    const raw = operationsOf(document).filter(({ op }) => op.requestBody && !op.requestBody.content?.['application/json']);
    expect(raw.map(({ method, path, op }) => [method, path, Object.values(op.requestBody!.content ?? {})[0]?.schema])).toEqual([
      ['post', '/api/conversations/{id}/attachments', { type: 'string', format: 'binary' }],
    ]);
    expect(withBody.map(({ method, path }) => `${method} ${path}`)).toEqual(
      expect.arrayContaining(['put /api/admin/pages/{pageId}/routing', 'put /api/admin/pages/{pageId}/token']),
    );
    for (const { method, path, op } of withBody) {
      const schema = resolve(op.requestBody!.content?.['application/json']?.schema);
      expect([method, path, Object.keys(schema?.properties ?? {}).length > 0]).toEqual([method, path, true]);
    }
  });

  it('should be the document the desk’s types were generated from (npm run desk:api after changing a DTO)', async () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../apps/desk-web/src/api/openapi.json'), 'utf8')) as unknown;
    expect(JSON.parse(JSON.stringify(document))).toEqual(committed);
    const served = (await (await fetch(`${h.url}/api/docs-json`)).json()) as OpenAPIObject;
    expect(Object.keys(served.paths).sort()).toEqual(Object.keys(document.paths).sort());
  });
});
