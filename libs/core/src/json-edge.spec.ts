import { findNul, jsonDepth, JsonEdgeError, parseApiJson, parseWebhookJson } from './json-edge';

describe('JSON at the edge', () => {
  it('should measure nesting without parsing, ignoring brackets inside strings', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[["}]}')).toBe(3);
    expect(jsonDepth('"x"')).toBe(0);
    expect(jsonDepth('['.repeat(100_000) + ']'.repeat(100_000), 64)).toBe(65);
  });

  it('should refuse over-deep API bodies and name the field holding U+0000', () => {
    expect(() => parseApiJson('['.repeat(100_000) + ']'.repeat(100_000))).toThrow(new JsonEdgeError('JSON nested deeper than 64 levels'));
    expect(() => parseApiJson(JSON.stringify({ agent: { names: ['ok', 'a\u0000b'] } }))).toThrow('agent.names[1] contains U+0000');
    expect(findNul({ ['k\u0000']: 1 })).toBe('k\u0000');
    expect(parseApiJson('{"a":"fine"}')).toEqual({ a: 'fine' });
  });

  it('should remove U+0000 from webhook bodies but keep an escaped backslash before a literal "u0000"', () => {
    expect(parseWebhookJson(JSON.stringify({ text: 'bad\u0000text\u0000' }))).toEqual({ text: 'badtext' });
    expect(parseWebhookJson(JSON.stringify({ text: 'path C:\\u0000' }))).toEqual({ text: 'path C:\\u0000' });
    expect(() => parseWebhookJson('{"a":' + '['.repeat(70) + ']'.repeat(70) + '}')).toThrow(JsonEdgeError);
  });
});
