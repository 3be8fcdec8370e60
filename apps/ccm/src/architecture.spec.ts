import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `[file, line]` for every line of the libs and the app (outside `except`) matching `pattern`. */
function findInLibs(pattern: RegExp, except: string[]): string[] {
  return [...sources(join(ROOT, 'libs')), ...sources(join(ROOT, 'apps', 'ccm', 'src'))]
    .map((file) => relative(ROOT, file))
    .filter((file) => !except.some((prefix) => file.startsWith(prefix)))
    .flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe('architecture', () => {
  // Outside the product code, Meta's own payloads name them too: the test fixtures and e2e tests, the
  // Graph API double and the simulator (which play Meta), the docs.
  it('should keep every Messenger constant inside the Messenger channel (and the Graph API double, which plays Meta)', () => {
    const messengerOnly = [
      /369239263222822/, // the like sticker
      /ccm:(\$\{|\(\\d|\d)/, // our echo metadata marker (`ccm:<message id>`)
      /policy[_-]enforcement/, // the Page policy webhook
      /(?<!\.)\.mids\b/, // delivery receipts' message ids
      // (the `ext=` expiry of Meta's CDN picture URLs is shared Meta plumbing, in @app/meta: Instagram needs it too)
    ];
    for (const pattern of messengerOnly)
      expect({
        pattern: String(pattern),
        found: findInLibs(pattern, ['libs/channels/messenger/', 'libs/graph-double/', 'apps/ccm/src/architecture.spec.ts']),
      }).toEqual({
        pattern: String(pattern),
        found: [],
      });
  });
});

describe('architecture: dependencies between libs', () => {
  const importsOf = (dir: string) =>
    sources(join(ROOT, dir)).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '(@app\/[a-z-]+)/g)].map((m) => `${relative(ROOT, file)} → ${m[1]}`),
    );

  it('should keep libs/core free of imports of other libs', () => {
    expect(importsOf('libs/core/src')).toEqual([]);
  });

  it('should let the admin lib use the platform HTTP lib, never the agent desk (guards, pipes and errors are @app/platform-http)', () => {
    expect(importsOf('libs/admin/src').filter((line) => line.endsWith('→ @app/agent-desk'))).toEqual([]);
    expect(importsOf('libs/admin/src').some((line) => line.endsWith('→ @app/platform-http'))).toBe(true);
  });

  it('should keep libs/platform-http below every feature lib (it imports only core and config)', () => {
    expect(importsOf('libs/platform-http/src').filter((line) => !/→ @app\/(core|config)$/.test(line))).toEqual([]);
  });

  it('should never let one channel lib import another (shared Meta plumbing is @app/meta)', () => {
    const channels = readdirSync(join(ROOT, 'libs', 'channels'));
    const crossings = channels.flatMap((channel) =>
      importsOf(`libs/channels/${channel}/src`).filter(
        (line) => /→ @app\/channel-/.test(line) && !line.endsWith(`@app/channel-${channel}`),
      ),
    );
    expect(crossings).toEqual([]);
  });
});

describe('architecture: bot connectors register themselves', () => {
  /** Code lines only (a comment may name anything). */
  const codeLines = (file: string) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
      .filter(({ line }) => !/^\s*(\/\/|\/\*|\*)/.test(line));
  const connectorFiles = sources(join(ROOT, 'libs', 'bot', 'src'))
    .map((file) => relative(ROOT, file))
    .filter((file) => file.endsWith('.definition.ts') && !file.endsWith('/bot-connector.definition.ts'));
  const connectors = connectorFiles.map((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return {
      folder: file.slice(0, file.lastIndexOf('/') + 1),
      names: [...text.matchAll(/export const (\w+Connector)\b/g)].map((m) => m[1]),
      variables: [...text.matchAll(/^\s+([A-Z][A-Z0-9_]+)\?: string;/gm)].map((m) => m[1]),
    };
  });

  it('should find each connector in a folder of its own, defining one connector', () => {
    expect(connectors.map((c) => c.folder)).toEqual(
      expect.arrayContaining(['libs/bot/src/embedded/', 'libs/bot/src/rasa/', 'libs/bot/src/http/']),
    );
    expect(new Set(connectors.map((c) => c.folder)).size).toBe(connectors.length);
    for (const connector of connectors)
      expect({ folder: connector.folder, names: connector.names.length }).toEqual({ folder: connector.folder, names: 1 });
  });

  it('should name a connector or its variables only in its folder, the bot lib index and the one line of wiring', () => {
    const allowed = ['libs/bot/src/index.ts', 'apps/ccm/src/bot-connectors.ts'];
    const files = [...sources(join(ROOT, 'libs')), ...sources(join(ROOT, 'apps', 'ccm', 'src'))]
      .map((file) => relative(ROOT, file))
      .filter((file) => !file.endsWith('.spec.ts') && !allowed.includes(file));
    const leaks = connectors.flatMap((connector) => {
      const words = new RegExp(`\\b(${[...connector.names, ...connector.variables].join('|')})\\b`);
      return files
        .filter((file) => !file.startsWith(connector.folder))
        .flatMap((file) => codeLines(file).filter(({ line }) => words.test(line)))
        .map(({ at, line }) => `${at}: ${line.trim()}`);
    });
    expect(leaks).toEqual([]);
    // Sanity: the check sees the variables (a broken pattern would find none and pass).
    expect(connectors.flatMap((c) => c.variables)).toEqual(expect.arrayContaining(['RASA_URL', 'BOT_HTTP_SECRET']));
  });

  it('should wire every connector with one line, and no connector folder import another', () => {
    const wiring = readFileSync(join(ROOT, 'apps', 'ccm', 'src', 'bot-connectors.ts'), 'utf8');
    for (const connector of connectors) expect(wiring).toContain(connector.names[0]);
    const crossings = connectors.flatMap((connector) =>
      sources(join(ROOT, connector.folder)).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/from '\.\.\/(\w+)\//g)]
          .filter((m) => connectors.some((other) => other.folder === `libs/bot/src/${m[1]}/`))
          .map((m) => `${relative(ROOT, file)} → ${m[1]}`),
      ),
    );
    expect(crossings).toEqual([]);
  });
});

describe('architecture: public surfaces', () => {
  it("should name every export of every lib's index.ts (no `export *`)", () => {
    const indexes = sources(join(ROOT, 'libs'))
      .map((file) => relative(ROOT, file))
      .filter((file) => /^libs\/([^/]+|channels\/[^/]+)\/src\/index\.ts$/.test(file));
    expect(indexes).toEqual(expect.arrayContaining(['libs/core/src/index.ts', 'libs/channels/messenger/src/index.ts']));
    const wildcards = indexes.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/^\s*export\s+(type\s+)?\*/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(wildcards).toEqual([]);
  });
});
