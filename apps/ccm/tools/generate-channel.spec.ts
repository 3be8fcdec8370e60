import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const { generateChannel } = require('./generate-channel.js') as {
  generateChannel(root: string, name: string): { files: string[]; alias: string; moduleClass: string };
};

/** Runs a node script to its end, without blocking this process (two such runs share the machine's cores). */
function runNode(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('npm run generate:channel', () => {
  let dir: string;
  /** The generated specs' run: started as soon as they exist, alongside the type-check (asserted by its own test). */
  let generatedSpecs: Promise<{ status: number | null; stderr: string }>;
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
  afterAll(async () => {
    await generatedSpecs?.catch(() => undefined); // not removed from under a run still going
    rmSync(dir, { recursive: true, force: true });
  });

  it('should scaffold a channel module with specs, wire its alias, and the result should type-check', async () => {
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
    generatedSpecs = runNode(
      [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--selectProjects', 'unit', '--testPathPatterns', 'libs/channels/web-chat'],
      dir,
    );
    const typeCheck = await runNode(
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(dir, 'tsconfig.check.json')],
      dir,
    );
    expect(typeCheck).toEqual({ status: 0, stdout: expect.any(String), stderr: expect.any(String) }); // on failure the diff shows tsc's errors

    expect(() => generateChannel(dir, 'web-chat')).toThrow('already exists');
  }, 60_000);

  it('should run the generated specs green', async () => {
    const run = await generatedSpecs;
    expect({ status: run.status, summary: /Tests:\s+(.*)/.exec(run.stderr)?.[1] }).toEqual({ status: 0, summary: '3 passed, 3 total' });
  }, 60_000);
});
