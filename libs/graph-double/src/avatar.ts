import { createHash } from 'node:crypto';

/**
 * A customer's name derived from their id, so local-mode names say who is who: "bob" → "Bob",
 * "local-customer-1" → "Local Customer 1", a numeric PSID → "Customer 4821".
 */
export function nameFromId(id: string): { first_name: string; last_name: string } {
  const words = id
    .replace(/^psid[-_]?/i, '')
    .split(/[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1));
  if (words.length === 0 || words.every((w) => /^\d+$/.test(w))) return { first_name: 'Customer', last_name: id.slice(-4) || id };
  return { first_name: words[0], last_name: words.slice(1).join(' ') };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round avatar with the initials on a colour picked from the id: served locally, works offline. */
export function avatarSvg(id: string, name?: string): string {
  const hue = parseInt(createHash('sha1').update(id).digest('hex').slice(0, 4), 16) % 360;
  const display = name ?? `${nameFromId(id).first_name} ${nameFromId(id).last_name}`;
  const initials =
    display
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => [...w][0]?.toUpperCase() ?? '')
      .join('') || '?';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">` +
    `<circle cx="48" cy="48" r="48" fill="hsl(${hue},55%,45%)"/>` +
    `<text x="48" y="60" font-family="Helvetica,Arial,sans-serif" font-size="36" fill="#fff" text-anchor="middle">${escapeXml(initials)}</text></svg>`
  );
}
