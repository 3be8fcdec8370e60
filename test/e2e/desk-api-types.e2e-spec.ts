import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * The committed `apps/desk-web/src/api/openapi.json` and `schema.d.ts` must be what `npm run
 * desk:api` would write now: a changed `/api` route or DTO (desk, bridge or admin) without
 * regenerated types fails here instead of in an agent's browser. The generator runs in its own
 * process (openapi-typescript's dependencies are ES modules, which Jest does not load).
 */
describe('desk web app API types', () => {
  it('should be regenerated whenever the OpenAPI document of /api changes', () => {
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/desk-web/tools/generate-api.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status !== 0) throw new Error(`run npm run desk:api\n${run.stderr || run.stdout || `exit ${run.status}`}`);
    expect(run.stdout).toContain('up to date');
  }, 70_000);
});
