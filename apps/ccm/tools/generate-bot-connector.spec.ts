import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const { generateBotConnector } = require('./generate-bot-connector.js') as {
  generateBotConnector(root: string, name: string): { files: string[]; definition: string; variables: string[] };
};
const WIRING = join('apps', 'ccm', 'src', 'bot-connectors.ts');
const BOT_INDEX = join('libs', 'bot', 'src', 'index.ts');

/** Runs a node script to its end, without blocking this process (runs started together share the machine's cores). */
function runNode(args: string[], cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('npm run generate:bot-connector', () => {
  let dir: string;
  /** The generated specs' run: started as soon as the connector exists, alongside the checks (asserted by its own test). */
  let generatedSpecs: Promise<{ status: number | null; output: string }>;
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  beforeAll(() => {
    // A throw-away copy of the libs and the app's sources; node_modules is linked, never written.
    dir = mkdtempSync(join(tmpdir(), 'ccm-generate-bot-'));
    for (const file of ['tsconfig.json', 'package.json', '.prettierrc.json']) cpSync(join(ROOT, file), join(dir, file));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    cpSync(join(ROOT, 'libs'), join(dir, 'libs'), {
      recursive: true,
      filter: (src) => !src.includes(join('libs', 'bot', 'src', 'dialogflow')),
    });
    cpSync(join(ROOT, 'apps', 'ccm', 'src'), join(dir, 'apps', 'ccm', 'src'), { recursive: true });
  });
  afterAll(async () => {
    await generatedSpecs?.catch(() => undefined); // not removed from under a run still going
    rmSync(dir, { recursive: true, force: true });
  });

  it('should write one folder, export it from the bot lib and add the one line of wiring, and the result should type-check', async () => {
    const [index, wiring] = [read(BOT_INDEX), read(WIRING)];

    const result = generateBotConnector(dir, 'dialogflow');

    expect(result).toMatchObject({ definition: 'dialogflowConnector', variables: ['DIALOGFLOW_URL', 'DIALOGFLOW_TOKEN'] });
    expect(result.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'libs/bot/src/dialogflow/dialogflow-bot.connector.spec.ts',
      'libs/bot/src/dialogflow/dialogflow-bot.connector.ts',
      'libs/bot/src/dialogflow/dialogflow.definition.spec.ts',
      'libs/bot/src/dialogflow/dialogflow.definition.ts',
    ]);
    expect(read(BOT_INDEX)).toBe(`${index}export { dialogflowConnector } from './dialogflow/dialogflow.definition';\n`);
    // The wiring changes by the connector's name only (in the import and, last, in BOT_CONNECTORS); prettier may re-wrap it.
    const squeezed = (text: string) => text.replace(/\s+/g, '').replace(/,\]/g, ']');
    expect(squeezed(read(WIRING)).replace(/,dialogflowConnector/g, '')).toBe(squeezed(wiring));
    expect(squeezed(read(WIRING))).toContain('httpConnector,dialogflowConnector]');

    // Type-check the connector folder and the wiring against the real libs, and check their format as `npm run lint` does.
    const check = join(dir, 'tsconfig.check.json');
    writeFileSync(check, JSON.stringify({ extends: './tsconfig.json', include: [WIRING, 'libs/bot/src/dialogflow/**/*.ts'] }));
    generatedSpecs = runNode(
      [
        join(dir, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--selectProjects',
        'unit',
        '--json',
        '--outputFile',
        'jest-report.json',
        '--testPathPatterns',
        'libs/bot/src/dialogflow/',
        'apps/ccm/src/architecture.spec.ts',
      ],
      dir,
    );
    const [typeCheck, format] = await Promise.all([
      runNode([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', check], dir),
      runNode(
        [join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', 'libs/bot/src/dialogflow', WIRING, BOT_INDEX],
        dir,
      ),
    ]);
    expect(typeCheck).toEqual({ status: 0, output: expect.any(String) }); // exit 0; on failure the diff shows tsc's errors
    expect(format).toEqual({ status: 0, output: expect.any(String) });
  }, 60_000);

  it('should refuse a connector that exists, or whose variables another connector or setting already uses', () => {
    expect(() => generateBotConnector(dir, 'dialogflow')).toThrow('libs/bot/src/dialogflow already exists');
    expect(() => generateBotConnector(dir, 'bot-http')).toThrow('BOT_HTTP_URL is already used');
  });

  it('should refuse before writing anything when the wiring has no BOT_CONNECTORS list', () => {
    // A tree whose app lists its connectors some other way: nothing can be wired, so nothing is written.
    const bare = mkdtempSync(join(tmpdir(), 'ccm-generate-bot-bare-'));
    try {
      for (const folder of [join('libs', 'bot', 'src'), join('libs', 'config', 'src'), join('apps', 'ccm', 'src')])
        mkdirSync(join(bare, folder), { recursive: true });
      const index = "export { httpConnector } from './http/http.definition';\n";
      writeFileSync(join(bare, BOT_INDEX), index);
      writeFileSync(join(bare, WIRING), "export const CONNECTORS = ['http'];\n");

      expect(() => generateBotConnector(bare, 'rasa')).toThrow('has no BOT_CONNECTORS list');

      expect(existsSync(join(bare, 'libs', 'bot', 'src', 'rasa'))).toBe(false);
      expect(readFileSync(join(bare, BOT_INDEX), 'utf8')).toBe(index);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("should run the generated specs green, and the architecture spec's connector rules should accept the new folder", async () => {
    const run = await generatedSpecs;
    const report = JSON.parse(read('jest-report.json')) as {
      numFailedTests: number;
      numPassedTests: number;
      testResults: { name: string }[];
    };
    expect(report.testResults.map((r) => r.name.slice(dir.length + 1)).sort()).toEqual([
      'apps/ccm/src/architecture.spec.ts',
      'libs/bot/src/dialogflow/dialogflow-bot.connector.spec.ts',
      'libs/bot/src/dialogflow/dialogflow.definition.spec.ts',
    ]);
    expect({ status: run.status, failed: report.numFailedTests }).toEqual({ status: 0, failed: 0 });
  }, 60_000);
});
