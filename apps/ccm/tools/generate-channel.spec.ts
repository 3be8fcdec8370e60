import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const { generateChannel } = require('./generate-channel.js') as {
  generateChannel(root: string, name: string): { files: string[]; alias: string; moduleClass: string };
};

describe('npm run generate:channel', () => {
  let dir: string;
  beforeAll(() => {
    // A throw-away copy of the repository's wiring; the libs and node_modules are linked, never written.
    dir = mkdtempSync(join(tmpdir(), 'ccm-generate-'));
    for (const file of ['tsconfig.json', 'package.json', 'nest-cli.json']) cpSync(join(ROOT, file), join(dir, file));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    cpSync(join(ROOT, 'libs'), join(dir, 'libs'), {
      recursive: true,
      filter: (src) => !src.includes(join('libs', 'channels', 'web-chat')),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should scaffold a channel module with specs, wire its alias, and the result should type-check', () => {
    const result = generateChannel(dir, 'web-chat');
    expect(result.moduleClass).toBe('WebChatChannelModule');
    expect(result.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'libs/channels/web-chat/src/index.ts',
      'libs/channels/web-chat/src/web-chat-event.mapper.spec.ts',
      'libs/channels/web-chat/src/web-chat-event.mapper.ts',
      'libs/channels/web-chat/src/web-chat.adapter.spec.ts',
      'libs/channels/web-chat/src/web-chat.adapter.ts',
      'libs/channels/web-chat/src/web-chat.module.ts',
    ]);
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions.paths['@app/channel-web-chat']).toEqual(['libs/channels/web-chat/src']);
    expect(JSON.parse(readFileSync(join(dir, 'nest-cli.json'), 'utf8')).projects['channel-web-chat']).toMatchObject({
      sourceRoot: 'libs/channels/web-chat/src',
    });
    const jest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).jest.projects;
    for (const project of jest)
      expect(project.moduleNameMapper['^@app\\/channel-web-chat(|/.*)$']).toBe('<rootDir>/libs/channels/web-chat/src$1');

    // Type-check the generated module (with an importer using the new alias) against the real libs.
    writeFileSync(
      join(dir, 'check.ts'),
      "import { WebChatChannelModule } from '@app/channel-web-chat';\nexport const channel = WebChatChannelModule;\n",
    );
    writeFileSync(
      join(dir, 'tsconfig.check.json'),
      JSON.stringify({ extends: './tsconfig.json', include: ['check.ts', 'libs/channels/web-chat/**/*.ts'] }),
    );
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(dir, 'tsconfig.check.json')],
      { cwd: dir, stdio: 'pipe' },
    );

    expect(() => generateChannel(dir, 'web-chat')).toThrow('already exists');
  }, 60_000);

  it('should run the generated specs green', () => {
    const run = spawnSync(
      process.execPath,
      [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--selectProjects', 'unit', '--testPathPatterns', 'libs/channels/web-chat'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect({ status: run.status, summary: /Tests:\s+(.*)/.exec(run.stderr)?.[1] }).toEqual({ status: 0, summary: '3 passed, 3 total' });
  }, 60_000);
});
