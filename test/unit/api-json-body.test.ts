// The API's JSON body parser as a table: what it refuses (not UTF-8, too deep, keys that cleaning
// would lose) with the path it names, and that it walks any depth the size limit allows.
import { parseJsonBody } from '../../src/api/json-body';
import { MAX_NESTING, shapeIssue } from '../../src/contract/body-shape';
import { HttpError } from '../../src/http/http-error';

/** `levels` arrays deep: `[[...[]...]]`. */
const arrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

function refusal(bytes: Buffer | string): { detail: string; issues: unknown } {
  try {
    parseJsonBody(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'));
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    expect(err).toMatchObject({ statusCode: 400, code: 'invalid_request' });
    return { detail: err.detail, issues: err.fields.issues };
  }
  throw new Error('expected a refusal');
}

describe('the JSON body parser', () => {
  it(`accepts ${MAX_NESTING} levels of nesting and refuses ${MAX_NESTING + 1}, naming the path`, () => {
    expect(parseJsonBody(Buffer.from(arrays(MAX_NESTING)))).toHaveLength(1);
    expect(refusal(arrays(MAX_NESTING + 1)).issues).toEqual([
      {
        path: Array<string>(MAX_NESTING).fill('0').join('.'),
        message: 'nests deeper than 64 levels',
      },
    ]);
  });

  it('walks the deepest body 256 KiB allows without a RangeError', () => {
    const levels = 128 * 1024;
    expect(refusal(`{"a":${arrays(levels)}}`).issues).toEqual([
      { path: ['a', ...Array<string>(63).fill('0')].join('.'), message: expect.any(String) },
    ]);
  });

  it.each([
    ['{"m":{"a\\u0000":1,"a":2}}', 'm.a'],
    ['[{"x":1},{"\\udc00x":1,"x\\u0000":2}]', '1.x'],
    ['{"m":{"__proto\\u0000__":1}}', 'm.__proto__'],
    ['{"__proto__":{"polluted":true}}', '__proto__'],
  ])('refuses %s, whose keys cleaning would lose, naming %s', (json, path) => {
    expect(refusal(json).issues).toEqual([{ path, message: expect.any(String) }]);
  });

  it('keeps keys that stay distinct once cleaned, and strings as sent', () => {
    expect(parseJsonBody(Buffer.from('{"a\\u0000b":"\\u0000","ab\\u0000c":1}'))).toEqual({
      'a\u0000b': '\u0000',
      'ab\u0000c': 1,
    });
    expect(shapeIssue('just a string')).toBeNull();
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x7b, 0x22, 0x80, 0x22, 0x3a, 0x31, 0x7d])],
    ['an overlong encoding', Buffer.from('{"a":"\xc0\xaf"}', 'latin1')],
    ['an encoded surrogate', Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1')],
  ])('refuses %s: the body is not UTF-8', (_case, bytes) => {
    expect(refusal(bytes)).toEqual({
      detail: 'the request body is invalid: is not valid UTF-8',
      issues: [{ path: '', message: 'is not valid UTF-8' }],
    });
  });

  it('quotes at most 100 characters of a colliding key', () => {
    const key = 'k'.repeat(5_000);
    const { detail } = refusal(`{"${key}":1,"${key}\\u0000":2}`);
    expect(detail).toContain(`"${'k'.repeat(100)}…"`);
    expect(detail.length).toBeLessThan(500);
  });
});
