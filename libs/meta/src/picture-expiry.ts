/**
 * Meta's profile picture URLs carry their expiry (`ext=<unix seconds>`): the profile must be fetched
 * again by then. Undefined when the URL names none (or is not a URL).
 */
export function pictureExpiry(pictureUrl: string | undefined): number | undefined {
  if (!pictureUrl) return undefined;
  try {
    const ext = Number(new URL(pictureUrl).searchParams.get('ext'));
    return Number.isFinite(ext) && ext > 0 ? ext * 1000 : undefined;
  } catch {
    return undefined;
  }
}
