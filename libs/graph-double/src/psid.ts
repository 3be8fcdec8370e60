/**
 * A PSID for a customer known by a name (tests, the simulator, `npm run simulate -- --psid bob`):
 * numeric like Meta's — ccm skips any other sender id at intake — and stable for the same name. A
 * numeric id is kept as it is. 16 digits (FNV-1a of the name).
 */
export function numericPsid(nameOrId: string): string {
  if (/^\d{1,64}$/.test(nameOrId)) return nameOrId;
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(nameOrId, 'utf8')) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return `1${(hash % 10n ** 15n).toString().padStart(15, '0')}`;
}
