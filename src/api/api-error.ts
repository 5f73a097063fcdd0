// The API's own error answers as HttpErrors: 400 `invalid_request` (worded by the contract,
// src/contract/invalid-request.ts), 404 `run_not_found`. The codes are the contract's
// (`ApiErrorCode`, src/contract/error-codes.ts); HttpError is shared with the codec server; the one
// error handler sends them.
import { ApiErrorCode } from '../contract/error-codes';
import { invalidRequestBody, type Issue } from '../contract/invalid-request';
import { HttpError } from '../http/http-error';

/** 400 `invalid_request` whose detail names the first problem and whose `issues` list them all. */
export function invalidRequest(where: string, issues: Issue[]): HttpError {
  const { error, detail, ...fields } = invalidRequestBody(where, issues);
  return new HttpError(400, error, detail, fields);
}

/** 404 for a run UUID that names no run of the organization (GET, or a POST's retry_token). */
export function runNotFound(runUuid: string, organizationId: number): HttpError {
  return new HttpError(
    404,
    ApiErrorCode.run_not_found,
    `no run ${runUuid} for organization ${organizationId} (it may never have been made, or Temporal no longer retains it)`,
  );
}
