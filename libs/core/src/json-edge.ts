/**
 * JSON as it is let in at the edge. Two things break deeper layers and are settled here instead:
 * nesting deep enough to overflow the stack of any recursive code (validation, mapping, JSON.stringify)
 * and U+0000, which PostgreSQL refuses in text. API bodies are refused with a clear reason; webhook
 * bodies (already signature-checked) have U+0000 removed, so one odd event cannot fail its batch.
 */
export const MAX_JSON_DEPTH = 64;

export class JsonEdgeError extends Error {
  override readonly name = 'JsonEdgeError';
}

/** Deepest nesting of arrays/objects in a JSON text (strings are skipped), without parsing it. */
export function jsonDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) max = depth;
      if (max > stopAbove) return max;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

/** The path (`a.b[2]`) of the first string or key that contains U+0000, if any. */
export function findNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(body)' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return at;
      const found = findNul(v, at);
      if (found) return found;
    }
  }
  return undefined;
}

/** Parses an API body: too deep or containing U+0000 → `JsonEdgeError` naming the reason (and the field). */
export function parseApiJson(text: string): unknown {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new JsonEdgeError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  const value: unknown = JSON.parse(text);
  const field = findNul(value);
  if (field) throw new JsonEdgeError(`${field} contains U+0000 (NUL), which is not accepted`);
  return value;
}

/** Parses a (verified) webhook body: too deep → `JsonEdgeError`; U+0000 is removed from every string and key. */
export function parseWebhookJson(text: string): unknown {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new JsonEdgeError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  // In JSON text U+0000 can only appear escaped (a raw control character is invalid JSON).
  return JSON.parse(text.includes('\\u0000') ? text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1') : text);
}
