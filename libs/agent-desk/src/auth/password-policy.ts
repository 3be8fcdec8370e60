/** Passwords people pick when asked for "at least 10 characters" (lower-case, compared as written). */
const COMMON = new Set([
  'password123',
  'password1234',
  'qwertyuiop',
  'qwerty1234',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'changeme123',
  'administrator',
]);
const SEQUENCES = [
  '0123456789012345678901234567890123456789',
  'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz',
  'qwertyuiopasdfghjklzxcvbnm',
];

export const PASSWORD_MIN_LENGTH = 10;

/**
 * Why a new agent password is refused (empty when it is acceptable): long enough, not one short
 * pattern repeated (`aaaaaaaaaa`, `abcabcabcabc`), not a keyboard or alphabet run, not a well-known
 * choice, and not the username dressed up (`alice12345`).
 */
export function passwordProblems(password: string, username: string): string[] {
  const problems: string[] = [];
  const lower = password.toLowerCase();
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (new Set(lower).size < 4 || /^(.{1,4})\1+.{0,3}$/.test(lower)) problems.push('must not be a short pattern repeated');
  if (lower.length >= 6 && SEQUENCES.some((run) => run.includes(lower) || [...run].reverse().join('').includes(lower)))
    problems.push('must not be a keyboard or alphabet sequence');
  if (COMMON.has(lower)) problems.push('is one of the most common passwords');
  const user = username.toLowerCase();
  if (user.length > 0 && lower.includes(user) && lower.length - user.length < 6)
    problems.push('must not be the username with a few characters added');
  return problems;
}
