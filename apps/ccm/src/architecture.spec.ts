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

/** `[file, line]` for every line of the libs (outside `except`) matching `pattern`. */
function findInLibs(pattern: RegExp, except: string[]): string[] {
  return sources(join(ROOT, 'libs'))
    .map((file) => relative(ROOT, file))
    .filter((file) => !except.some((prefix) => file.startsWith(prefix)))
    .flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe('architecture', () => {
  it('should keep every Messenger constant inside the Messenger channel (and the Graph API double, which plays Meta)', () => {
    const messengerOnly = [
      /369239263222822/, // the like sticker
      /ccm:(\$\{|\(\\d|\d)/, // our echo metadata marker (`ccm:<message id>`)
      /policy[_-]enforcement/, // the Page policy webhook
      /(?<!\.)\.mids\b/, // delivery receipts' message ids
      // (the `ext=` expiry of Meta's CDN picture URLs is shared Meta plumbing, in @app/meta: Instagram needs it too)
    ];
    for (const pattern of messengerOnly)
      expect({ pattern: String(pattern), found: findInLibs(pattern, ['libs/channels/messenger/', 'libs/graph-double/']) }).toEqual({
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
