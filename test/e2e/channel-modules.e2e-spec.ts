import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MessengerChannelModule } from '@app/channel-messenger';
import { CHANNEL_MODULES } from '../../apps/ccm/src/channel-modules';
import { CcmHarness, eventually, PAGE_ID, startCcm } from '../helpers/ccm-harness';
import { loadCommentFixture } from '../helpers/comment-fixtures';
import { testPsid } from '../helpers/fixtures';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

describe('channel modules are plug-ins: the app without the Page comments module', () => {
  let h: CcmHarness;
  const logs: string[] = [];
  beforeAll(async () => {
    expect(CHANNEL_MODULES).toContain(MessengerChannelModule);
    h = await startCcm({ channelModules: CHANNEL_MODULES.filter((m) => m.name !== 'PageCommentsModule'), captureLogs: logs });
  });
  afterAll(() => h.close());

  it('boots and runs the Messenger flow: webhook → bot reply', async () => {
    await h.simulator.sendText(testPsid('no-comments'), 'where is my order');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('no-comments')).length === 1);
    expect(h.graph.sentTexts(testPsid('no-comments'))[0]).toMatch(/order/i);
  });

  it('acknowledges a feed webhook nobody claims, logs it and stores nothing', async () => {
    const response = await h.simulator.post(loadCommentFixture('new-comment'));
    expect(response.status).toBe(200);
    await eventually(async () =>
      logs.some((l) => l.includes(`page ${PAGE_ID}, keys id,time,changes) acknowledged and ignored: no channel module handles it`)),
    );
    const rows = await h.persistence.db.selectFrom('inbound_events').selectAll().where('channel', '!=', 'messenger').execute();
    expect(rows).toEqual([]);
  });

  it('lists only the channels that are running', async () => {
    const running = h.app.get((await import('@app/conversations')).ChannelRegistry).channels();
    expect(running).toContain('messenger');
    expect(running).not.toContain('facebook-comments');
  });
});

describe('the core does not depend on the Page comments module', () => {
  it('no file outside libs/channels/comments imports @app/channel-comments, except the app wiring', () => {
    const importers = [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs')), ...sourceFiles(join(ROOT, 'test'))]
      .map((file) => relative(ROOT, file))
      .filter((file) => !file.startsWith(join('libs', 'channels', 'comments')))
      .filter((file) =>
        /from\s+['"]@app\/channel-comments['"]|require\(['"]@app\/channel-comments['"]\)/.test(readFileSync(join(ROOT, file), 'utf8')),
      );
    expect(importers).toEqual([join('apps', 'ccm', 'src', 'channel-modules.ts')]);
  });
});
