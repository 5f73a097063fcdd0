// Removes NUL characters and lone UTF-16 surrogates from every string in a JSON value:
// customer event data carries them, and they turn into invalid UTF-8 on the wire.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this removes.
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanString(value: string): string {
  return value.replace(UNSAFE, '');
}

export function cleanStrings(value: unknown): unknown {
  if (typeof value === 'string') return cleanString(value);
  if (Array.isArray(value)) return value.map(cleanStrings);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[cleanString(key)] = cleanStrings(inner);
    return out;
  }
  return value;
}
