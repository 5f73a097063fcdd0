// How a POST names its run and the checks a reused name must pass (spec §3): the run UUID (v5 of
// the organization and Idempotency-Key, else a fresh v4), the body fingerprint, the two 422s, and
// the 503 when the check can't be made.
import { createHash } from 'node:crypto';
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import { ApiErrorCode } from '../contract/error-codes';
import { HttpError } from '../http/http-error';
import { canonicalJson } from './canonical-json';
import { TEMPORAL_UNAVAILABLE_RETRY_AFTER_S } from './outcome-to-http';

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

/** 422 when a retry_token and an Idempotency-Key are both sent and name different runs. */
export function assertTokenMatchesKey(
  organizationId: number,
  idempotencyKey: string | undefined,
  retryToken: string,
): void {
  if (idempotencyKey === undefined) return;
  if (runUuidFor(organizationId, idempotencyKey) === retryToken) return;
  throw new HttpError(
    422,
    ApiErrorCode.retry_token_mismatch,
    'the retry_token and the Idempotency-Key name different runs; send one of them, or both for the same run',
  );
}

/**
 * 422 when the keyed run was made from another body. `recorded` is the run's body_sha256, null
 * for a run started without one (which any body may join).
 */
export function assertSameBody(runUuid: string, recorded: string | null, sent: string): void {
  if (recorded === null || recorded === sent) return;
  throw new HttpError(
    422,
    ApiErrorCode.idempotency_key_reused,
    'this Idempotency-Key already names a run made from a different body; use a new key for a new run',
    { run_uuid: runUuid },
  );
}

/**
 * 503 when the keyed run's body_sha256 could not be read because Temporal did not answer: the
 * request neither joins the run unchecked nor refuses it unproven. The same key and body retry it.
 */
export function keyUnchecked(runUuid: string): HttpError {
  return new HttpError(
    503,
    ApiErrorCode.temporal_unavailable,
    'Temporal did not answer while this Idempotency-Key was checked against its run, so the run was not joined; retry with the same key and body',
    { run_uuid: runUuid },
    { 'retry-after': String(TEMPORAL_UNAVAILABLE_RETRY_AFTER_S) },
  );
}
