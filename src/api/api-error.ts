// The API's error codes (one list: the code answers with them, the OpenAPI document enumerates
// them), and its own answers: 400 `invalid_request` with its `issues` list, 404 `run_not_found`.
// The error class itself, HttpError, is shared with the codec server; the one error handler sends them.
import type { z } from 'zod';
import { quoted } from '../http/client-text';
import { HttpError, HttpErrorCode } from '../http/http-error';

/** Every `error` an API answer can carry: the router's and Fastify's (src/http), then the API's. */
export const ApiErrorCode = {
  ...HttpErrorCode,
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  run_not_found: 'run_not_found',
  idempotency_key_reused: 'idempotency_key_reused',
  retry_token_mismatch: 'retry_token_mismatch',
  seer_run_pending: 'seer_run_pending',
  seer_rejected: 'seer_rejected',
  seer_invalid_response: 'seer_invalid_response',
  seer_run_failed: 'seer_run_failed',
  seer_unavailable: 'seer_unavailable',
  temporal_unavailable: 'temporal_unavailable',
  not_ready: 'not_ready',
  shutting_down: 'shutting_down',
} as const;
export type ApiErrorCode = keyof typeof ApiErrorCode;

export interface Issue {
  /** Dotted path into the body (`request.organization_id`), or the parameter or header name. */
  path: string;
  message: string;
}

/** 400 `invalid_request` whose detail names the first problem and whose `issues` list them all. */
export function invalidRequest(where: string, issues: Issue[]): HttpError {
  const first = issues[0];
  const detail = first
    ? `${where} is invalid: ${first.path ? `${first.path}: ` : ''}${first.message}`
    : `${where} is invalid`;
  return new HttpError(400, ApiErrorCode.invalid_request, detail, { issues });
}

/** Each name quoted as the client may see it again (at most 100 characters). */
export function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part) => quoted(String(part))).join('.');
}

/**
 * zod's issues as `{path, message}`, under `prefix`. An unknown key becomes one issue at its own
 * path, so the client sees which field to drop rather than the object that holds it.
 */
export function issuesOf(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  prefix: PropertyKey[] = [],
): Issue[] {
  return issues.flatMap((issue): Issue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: pathText([...path, key]),
        message: 'is not a field of this object',
      }));
    }
    return [{ path: pathText(path), message: issue.message }];
  });
}

/** 404 for a run UUID that names no run of the organization (GET, or a POST's retry_token). */
export function runNotFound(runUuid: string, organizationId: number): HttpError {
  return new HttpError(
    404,
    ApiErrorCode.run_not_found,
    `no run ${runUuid} for organization ${organizationId} (it may never have been made, or Temporal no longer retains it)`,
  );
}
