// Request signing as Seer checks it: the body's Authorization and the viewer-context pair.
// The HMAC vector below was computed with `openssl dgst -sha256 -hmac`, independently of our code.
import {
  rpcAuthorization,
  signBody,
  verifyRpcAuthorization,
  verifySignature,
  viewerContextHeaders,
} from '../../src/seer/sign';

const SECRET = 'dev-secret';
const HELLO_HMAC = '4481d0598468fd448fe1a51f0a7bf58163ddd3290290b1c9928960200373d3fe';

test('the body signature is the hex HMAC-SHA256 of the bytes with the shared secret', () => {
  expect(signBody(SECRET, Buffer.from('hello'))).toBe(HELLO_HMAC);
});

test('the Authorization header uses the rpc0 scheme', () => {
  expect(rpcAuthorization(SECRET, Buffer.from('hello'))).toBe(`Rpcsignature rpc0:${HELLO_HMAC}`);
});

describe('the viewer context headers', () => {
  test('a null viewer context sends no headers at all', () => {
    expect(viewerContextHeaders(SECRET, null)).toEqual({});
  });

  test('a viewer context is sent as JSON with a signature over those bytes', () => {
    const headers = viewerContextHeaders(SECRET, {
      organization_id: 42,
      user_id: 7,
      actor_type: 'user',
    });
    const json = headers['x-viewer-context'];
    expect(json).toBe('{"actor_type":"user","organization_id":42,"user_id":7}');
    expect(headers['x-viewer-context-signature']).toBe(signBody(SECRET, Buffer.from(json!)));
  });

  test('a viewer context without actor_type says "unknown", as Sentry does', () => {
    const headers = viewerContextHeaders(SECRET, { organization_id: 42, user_id: 7 });
    expect(JSON.parse(headers['x-viewer-context']!)).toEqual({
      actor_type: 'unknown',
      organization_id: 42,
      user_id: 7,
    });
  });

  test('a viewer context without a user sends no user_id, not a null one', () => {
    const headers = viewerContextHeaders(SECRET, { organization_id: 42, actor_type: 'system' });
    expect(headers['x-viewer-context']).toBe('{"actor_type":"system","organization_id":42}');
  });

  test('non-ASCII text travels as JSON escapes, so the header bytes are the signed bytes', () => {
    const headers = viewerContextHeaders(SECRET, { organization_id: 1, actor_type: 'usér✓' });
    const json = headers['x-viewer-context']!;
    expect(json).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(json)).toMatchObject({ actor_type: 'usér✓' });
    expect(
      verifySignature(SECRET, Buffer.from(json, 'latin1'), headers['x-viewer-context-signature']!),
    ).toBe(true);
  });
});

describe('verification (the fake Seer side)', () => {
  test('accepts the right signature', () => {
    expect(verifySignature(SECRET, Buffer.from('hello'), HELLO_HMAC)).toBe(true);
  });

  test('rejects a signature made with another secret', () => {
    const other = signBody('another-secret', Buffer.from('hello'));
    expect(verifySignature(SECRET, Buffer.from('hello'), other)).toBe(false);
  });

  test('rejects a signature of other bytes', () => {
    expect(verifySignature(SECRET, Buffer.from('hello!'), HELLO_HMAC)).toBe(false);
  });

  test.each(['', 'zz', HELLO_HMAC.slice(2), `${HELLO_HMAC}00`])(
    'rejects the malformed signature %j without throwing',
    (hex) => {
      expect(verifySignature(SECRET, Buffer.from('hello'), hex)).toBe(false);
    },
  );

  test('checks the Authorization scheme as well as the signature', () => {
    const bytes = Buffer.from('hello');
    expect(verifyRpcAuthorization(SECRET, bytes, `Rpcsignature rpc0:${HELLO_HMAC}`)).toBe(true);
    expect(verifyRpcAuthorization(SECRET, bytes, `Bearer ${HELLO_HMAC}`)).toBe(false);
    expect(verifyRpcAuthorization(SECRET, bytes, undefined)).toBe(false);
  });
});
