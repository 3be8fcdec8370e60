/**
 * Graph API versions and the date each stops being usable (`../shared/messenger-platform.md` §13).
 * A call to an expired version is silently served by the oldest usable one, so behaviour floats:
 * we warn at startup instead of letting that happen unnoticed.
 */
const VERSION_EXPIRY: Record<string, string> = {
  'v19.0': '2026-05-21',
  'v20.0': '2026-09-24',
  'v21.0': '2027-01-21',
  'v22.0': '2027-05-20',
  'v23.0': '2027-10-08',
  'v24.0': '2028-02-18',
  'v25.0': '2028-07-29',
};
const OLDEST_LISTED_MAJOR = 19;

/** The newest version (fact sheet §13: v26.0, released 2026-07-29; v21.0 expires 2027-01-21, v20.0 has expired). */
export const DEFAULT_GRAPH_API_URL = 'https://graph.facebook.com/v26.0';

/** A pinned version that stops being served within this time gets a startup warning too. */
export const GRAPH_VERSION_EXPIRY_NOTICE_MS = 90 * 24 * 60 * 60 * 1000;

export function graphVersionOf(url: string): string | undefined {
  return /\/(v\d+\.\d+)\/?$/.exec(url)?.[1];
}

/** The date Meta stops serving `version` (undefined when not announced yet or unknown). */
export function graphVersionExpiry(version: string): Date | undefined {
  const until = VERSION_EXPIRY[version];
  return until === undefined ? undefined : new Date(until);
}

/** True when Meta no longer serves this version as itself on `now`. */
export function isExpiredGraphVersion(version: string, now: Date = new Date()): boolean {
  const major = Number(/^v(\d+)\./.exec(version)?.[1] ?? NaN);
  if (!Number.isFinite(major)) return false;
  if (major < OLDEST_LISTED_MAJOR) return true;
  const until = VERSION_EXPIRY[version];
  return until !== undefined && now.getTime() >= Date.parse(until);
}
