import { tokenLookup } from '../../src/api/auth';
import { orgSetHas, type OrgSet } from '../../src/config';

describe('token lookup', () => {
  const tokens = new Map<string, OrgSet>([
    ['alpha', { kind: 'some', ids: new Set([1, 2]) }],
    ['omega', { kind: 'all' }],
  ]);
  const lookup = tokenLookup(tokens);

  it("finds a known token's organizations", () => {
    expect(orgSetHas(lookup('alpha')!, 2)).toBe(true);
    expect(orgSetHas(lookup('alpha')!, 3)).toBe(false);
    expect(orgSetHas(lookup('omega')!, 3)).toBe(true);
  });

  it('knows no prefix, extension or case variant of a token', () => {
    for (const presented of ['alph', 'alphaa', 'ALPHA', '', 'alpha ']) {
      expect(lookup(presented)).toBeNull();
    }
  });
});
