import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { numericPsid } from '@app/graph-double';

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

/**
 * A test customer's PSID: numeric like Meta's (ccm skips any other sender id at intake), derived from
 * a readable name so tests still say who is who (`testPsid('alice')`). 16 digits, stable across runs.
 */
export function testPsid(name: string): string {
  return numericPsid(name);
}

/** The PSIDs of a load run (bench): numeric, sharing a prefix per run so a run's customers can be told apart. */
export function loadRunPsidPrefix(runId: string): string {
  return numericPsid(runId).slice(0, 10);
}

export function loadRunPsid(runId: string, customer: number): string {
  return `${loadRunPsidPrefix(runId)}${String(customer).padStart(6, '0')}`;
}
