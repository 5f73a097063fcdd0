import { canonicalJson } from '../../src/api/canonical-json';

describe('RFC 8785 canonical JSON', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: 0, y: null }], c: true } })).toBe(
      '{"a":{"c":true,"d":[3,1,{"y":null,"z":0}]},"b":1}',
    );
  });

  it("orders keys by UTF-16 code units, as the RFC's own example does", () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it("writes numbers, strings and literals as the RFC's examples do", () => {
    expect(
      canonicalJson({
        // Parsed from the RFC's input text: some of its literals are not exact doubles.
        numbers: JSON.parse(
          '[333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]',
        ),
        string: '\u20ac$\u000f\nA\'B"\\\\"/',
        literals: [null, true, false],
      }),
    ).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('leaves out undefined properties, writes undefined array items as null, and -0 as 0', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, -0] })).toBe('{"b":[null,0]}');
  });

  it('refuses numbers JSON cannot spell', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson([Infinity])).toThrow(TypeError);
  });

  it('gives equal bodies the same text whatever their key order', () => {
    expect(canonicalJson({ type: 'explorer', request: { query: 'q', insert_index: null } })).toBe(
      canonicalJson({ request: { insert_index: null, query: 'q' }, type: 'explorer' }),
    );
  });
});
