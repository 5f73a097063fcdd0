// Removes NUL characters and lone UTF-16 surrogates from every string in a JSON value:
// customer event data carries them, and they turn into invalid UTF-8 on the wire.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this removes.
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanString(value: string): string {
  return value.replace(UNSAFE, '');
}

/**
 * Every string cleaned, keys included. Keys stay data (even `__proto__`), and two keys that
 * cleaning makes equal throw rather than one silently winning: the API refuses such bodies first
 * (src/contract/body-shape.ts), which also bounds the nesting this recursion meets.
 */
export function cleanStrings(value: unknown): unknown {
  if (typeof value === 'string') return cleanString(value);
  if (Array.isArray(value)) return value.map(cleanStrings);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, inner]) => [
      cleanString(key),
      cleanStrings(inner),
    ]);
    // fromEntries defines properties, so a `__proto__` key is kept as data, not a prototype.
    const out = Object.fromEntries(entries) as Record<string, unknown>;
    if (Object.keys(out).length !== entries.length) {
      throw new TypeError(
        'two keys of one object are equal once NUL characters and lone surrogates are removed',
      );
    }
    return out;
  }
  return value;
}
