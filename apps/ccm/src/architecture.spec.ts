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
      /['"`/^]ccm:/, // our echo metadata marker
      /policy[_-]enforcement/, // the Page policy webhook
      /(?<!\.)\.mids\b/, // delivery receipts' message ids
      /[?&]ext=|'ext'/, // the profile picture URL's expiry
    ];
    for (const pattern of messengerOnly)
      expect({ pattern: String(pattern), found: findInLibs(pattern, ['libs/channels/messenger/', 'libs/graph-double/']) }).toEqual({
        pattern: String(pattern),
        found: [],
      });
  });
});
