import { createHash } from 'node:crypto';
import { bodySha256, RUN_UUID_NAMESPACE, runUuidFor } from '../../src/api/idempotency';

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
