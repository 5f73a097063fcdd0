// Cleaning strings never drops data silently: keys stay data (even `__proto__`), and two keys that
// cleaning would make equal are an error rather than a quiet merge.
import { cleanStrings } from '../../src/domain/clean-strings';

describe('cleanStrings', () => {
  it('removes NUL characters and lone surrogates from keys and values at every depth', () => {
    expect(cleanStrings({ 'k\u0000': ['a\u0000b', { '\ud800x': '\udc00y\ud83d\ude00' }] })).toEqual(
      {
        k: ['ab', { x: 'y\ud83d\ude00' }],
      },
    );
  });

  it('keeps a __proto__ key as data, not as the prototype', () => {
    const cleaned = cleanStrings(JSON.parse('{"__proto\\u0000__":{"polluted":true}}')) as object;
    expect(Object.keys(cleaned)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(cleaned)).toBe(Object.prototype);
    expect(JSON.stringify(cleaned)).toBe('{"__proto__":{"polluted":true}}');
  });

  it('refuses two keys that become equal instead of keeping one', () => {
    expect(() => cleanStrings({ 'a\u0000': 1, a: 2 })).toThrow(TypeError);
  });
});
