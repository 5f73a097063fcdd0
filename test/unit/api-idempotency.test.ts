import { createHash } from 'node:crypto';
import {
  assertSameBody,
  assertTokenMatchesKey,
  bodySha256,
  RUN_UUID_NAMESPACE,
  runUuidFor,
} from '../../src/api/idempotency';

/** UUID v5 by hand (RFC 9562 §5.5), to check the library against the spec's definition. */
function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('the run UUID of a POST', () => {
  it('is the UUID v5 of "{organization_id}:{key}" in the spec namespace when a key is given', () => {
    expect(RUN_UUID_NAMESPACE).toBe('6737117d-d62b-4d16-b1af-b5eeb95d3fbf');
    expect(runUuidFor(42, 'order-1234')).toBe(uuidV5(RUN_UUID_NAMESPACE, '42:order-1234'));
    expect(runUuidFor(42, 'order-1234')).toBe(runUuidFor(42, 'order-1234'));
  });

  it('differs between organizations for the same key', () => {
    expect(runUuidFor(1, 'k')).not.toBe(runUuidFor(2, 'k'));
  });

  it('is a fresh lower-case UUID v4 without a key', () => {
    const a = runUuidFor(42, undefined);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(runUuidFor(42, undefined)).not.toBe(a);
  });
});

describe('body_sha256', () => {
  it('is the SHA-256 hex of the canonical JSON', () => {
    expect(bodySha256({ b: 1, a: 'x' })).toBe(
      createHash('sha256').update('{"a":"x","b":1}').digest('hex'),
    );
  });

  it('is the same for the same body in another key order', () => {
    expect(bodySha256({ type: 'explorer', request: { query: 'q', run_id: null } })).toBe(
      bodySha256({ request: { run_id: null, query: 'q' }, type: 'explorer' }),
    );
  });
});

/** What `check` throws, or undefined. */
function refusal(check: () => void): unknown {
  try {
    check();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('a reused name', () => {
  const keyed = runUuidFor(42, 'order-1234');

  it('a retry_token may come with the Idempotency-Key that names the same run, or alone', () => {
    expect(() => assertTokenMatchesKey(42, 'order-1234', keyed)).not.toThrow();
    expect(() => assertTokenMatchesKey(42, undefined, keyed)).not.toThrow();
  });

  it('a retry_token and a key of another run are 422 retry_token_mismatch', () => {
    for (const [org, key] of [
      [42, 'order-9999'],
      [43, 'order-1234'],
    ] as const) {
      expect(refusal(() => assertTokenMatchesKey(org, key, keyed))).toMatchObject({
        statusCode: 422,
        code: 'retry_token_mismatch',
      });
    }
  });

  it('a key whose run was made from another body is 422 idempotency_key_reused naming the run', () => {
    expect(
      refusal(() => assertSameBody(keyed, bodySha256({ a: 1 }), bodySha256({ a: 2 }))),
    ).toMatchObject({
      statusCode: 422,
      code: 'idempotency_key_reused',
      fields: { run_uuid: keyed },
    });
  });

  it('the same body, or a run that recorded no body, passes', () => {
    expect(() => assertSameBody(keyed, bodySha256({ a: 1 }), bodySha256({ a: 1 }))).not.toThrow();
    expect(() => assertSameBody(keyed, null, bodySha256({ a: 2 }))).not.toThrow();
  });
});
