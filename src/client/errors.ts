// The client's errors, matched by `name` or class: an error answer of the API (its `error` code,
// `detail` and body), a body refused before sending, and an API that could not be reached. The
// codes and a 400's issues are the wire contract's (src/contract).
import { ApiErrorCode } from '../contract/error-codes';
import type { Issue } from '../contract/invalid-request';

/** The base of every error the client throws. */
export class SeerRunsError extends Error {
  override name = 'SeerRunsError';
}

/**
 * The API answered an error: `status` and the body's `error` code (the answer's text when it had no
 * JSON body, e.g. a proxy's page: then `code` is `http_<status>`).
 */
export class SeerRunsApiError extends SeerRunsError {
  override name = 'SeerRunsApiError';
  readonly status: number;
  readonly code: ApiErrorCode | (string & Record<never, never>);
  readonly detail: string;
  /** The whole body, with the fields the code adds (`run_uuid`, `reason`, `issues`, ...). */
  readonly body: Record<string, unknown>;
  /** The Retry-After header in seconds, when the answer had one. */
  readonly retryAfterS: number | null;

  constructor(status: number, body: unknown, retryAfterS: number | null = null) {
    const fields = errorFields(status, body);
    super(`${status} ${fields.code}: ${fields.detail}`);
    this.status = status;
    this.code = fields.code;
    this.detail = fields.detail;
    this.body = fields.body;
    this.retryAfterS = retryAfterS;
  }
}

/**
 * 400 `invalid_request`, with its `issues`. `sent` is false when the client refused the request
 * before sending it: the same code, detail and issues the API would have answered.
 */
export class InvalidRequestError extends SeerRunsApiError {
  override name = 'InvalidRequestError';
  readonly issues: Issue[];
  readonly sent: boolean;

  constructor(body: unknown, sent: boolean) {
    super(400, body);
    const issues = this.body.issues;
    this.issues = Array.isArray(issues) ? (issues as Issue[]) : [];
    this.sent = sent;
  }
}

/**
 * The API could not be reached, or did not answer within the request timeout. `reason` is undici's
 * or Node's error code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...). For startRun this comes only
 * when no request got any answer before the deadline: send again with `idempotencyKey`.
 */
export class SeerRunsUnreachableError extends SeerRunsError {
  override name = 'SeerRunsUnreachableError';
  constructor(
    readonly url: string,
    readonly reason: string,
    /** The Idempotency-Key startRun sent (null for reads). */
    readonly idempotencyKey: string | null = null,
  ) {
    super(`the seer-runs API at ${url} could not be reached (${reason})`);
  }
}

/** The error for an answer of the API: InvalidRequestError for a 400 invalid_request. */
export function apiErrorOf(
  status: number,
  body: unknown,
  retryAfterS: number | null,
): SeerRunsApiError {
  if (status === 400 && errorFields(status, body).code === ApiErrorCode.invalid_request) {
    return new InvalidRequestError(body, true);
  }
  return new SeerRunsApiError(status, body, retryAfterS);
}

function errorFields(status: number, body: unknown) {
  const fields: Record<string, unknown> =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : { text: body };
  const code = typeof fields.error === 'string' ? fields.error : `http_${status}`;
  const detail =
    typeof fields.detail === 'string'
      ? fields.detail
      : `the API answered ${status} without an error body`;
  return { code, detail, body: fields };
}
