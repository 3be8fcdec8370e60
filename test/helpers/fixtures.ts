import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(__dirname, '..', 'fixtures', 'webhooks');
/** The time the fixtures were written at; loading shifts every time field so they happen "now". */
export const FIXTURE_EPOCH = 1764460800000;

/**
 * Loads one webhook scenario. Every `timestamp`, `time` and `watermark` is shifted so the fixture's
 * epoch becomes `now` (Meta's 24-hour window depends on it), and `{{NAME}}` placeholders are filled.
 */
export function loadFixture(name: string, values: Record<string, string | number> = {}, now = Date.now()): unknown {
  let text = readFileSync(join(FIXTURES, 'messenger', `${name}.json`), 'utf8');
  for (const [key, value] of Object.entries(values)) text = text.split(`{{${key}}}`).join(String(value));
  const shift = now - FIXTURE_EPOCH;
  return JSON.parse(text, (key, value: unknown) =>
    (key === 'timestamp' || key === 'time' || key === 'watermark') && typeof value === 'number' && value >= FIXTURE_EPOCH - 86_400_000
      ? value + shift
      : value,
  );
}

export function fixtureNames(): string[] {
  return readdirSync(join(FIXTURES, 'messenger'))
    .filter((f: string) => f.endsWith('.json'))
    .map((f: string) => f.replace(/\.json$/, ''))
    .sort();
}
