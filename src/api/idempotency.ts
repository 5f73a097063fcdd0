// How a POST names its run: the run UUID (v5 of the organization and Idempotency-Key, else a
// fresh v4) and the body fingerprint that a reused key must match (spec §3).
import { createHash } from 'node:crypto';
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import { canonicalJson } from './canonical-json';

/** The spec's namespace: changing it would give every existing key a new run. */
export const RUN_UUID_NAMESPACE = '6737117d-d62b-4d16-b1af-b5eeb95d3fbf';

export function runUuidFor(organizationId: number, idempotencyKey: string | undefined): string {
  return idempotencyKey === undefined
    ? uuidv4()
    : uuidv5(`${organizationId}:${idempotencyKey}`, RUN_UUID_NAMESPACE);
}

/** SHA-256 (hex) of the body's RFC 8785 canonical JSON. */
export function bodySha256(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}
