// The spec §3 response table as one function: how a run's outcome (mirror or direct path) is
// answered over HTTP. Change a row here and in its test; nothing else picks status codes for runs.
import { assertNever, FailureReason, SeerRunStatus } from '../domain';
import type { RunOutcome } from '../domain/run-outcome';
import { ApiErrorCode } from '../contract/error-codes';

export type HttpAnswer = {
  status: number;
  headers: Record<string, string>;
  body: RunCreatedBody | ErrorBodyFields;
};

export interface RunCreatedBody {
  run_id: number;
  run_uuid: string | null;
  status?: typeof SeerRunStatus.LIVE;
}

export interface ErrorBodyFields {
  error: string;
  detail: string;
  [field: string]: unknown;
}

/** A pending run's retry waits again in full, so the client may come back at once. */
export const PENDING_RETRY_AFTER_S = 1;
/** Long enough for a Temporal frontend restart; the client's retry names the same run anyway. */
export const TEMPORAL_UNAVAILABLE_RETRY_AFTER_S = 5;

export type FailureCode = Extract<
  ApiErrorCode,
  'seer_rejected' | 'seer_invalid_response' | 'seer_run_failed'
>;

export function failureCodeFor(reason: FailureReason): FailureCode {
  switch (reason) {
    case FailureReason.seer_rejected:
      return ApiErrorCode.seer_rejected;
    case FailureReason.invalid_json_body:
    case FailureReason.missing_run_id:
    case FailureReason.invalid_run_id:
      return ApiErrorCode.seer_invalid_response;
    case FailureReason.invalid_payload:
    case FailureReason.unsupported_type:
    case FailureReason.retries_exhausted:
    case FailureReason.terminated:
    case FailureReason.cancelled:
    case FailureReason.timed_out:
      return ApiErrorCode.seer_run_failed;
    default:
      return assertNever(reason);
  }
}

const FAILURE_DETAIL: Record<FailureCode, string> = {
  seer_rejected: 'Seer refused to create the run',
  seer_invalid_response: 'Seer answered, but not with a run id',
  seer_run_failed: 'the run failed before Seer created it',
};

export function runLocation(organizationId: number, runUuid: string): string {
  return `/v1/organizations/${organizationId}/seer-runs/${runUuid}`;
}

export function httpAnswerFor(outcome: RunOutcome): HttpAnswer {
  switch (outcome.kind) {
    case 'live':
      return {
        status: outcome.created ? 201 : 200,
        headers: outcome.created
          ? { location: runLocation(outcome.organizationId, outcome.runUuid) }
          : {},
        body: { run_id: outcome.runId, run_uuid: outcome.runUuid, status: SeerRunStatus.LIVE },
      };
    case 'direct_live':
      return { status: 200, headers: {}, body: { run_id: outcome.runId, run_uuid: null } };
    case 'failed': {
      const code = failureCodeFor(outcome.failure.reason);
      return {
        status: 502,
        headers: {},
        body: {
          error: code,
          detail: `${FAILURE_DETAIL[code]} (${outcome.failure.reason})`,
          run_uuid: outcome.runUuid,
          reason: outcome.failure.reason,
          ...(code === ApiErrorCode.seer_rejected
            ? { seer_status: outcome.failure.seer_status ?? null }
            : {}),
        },
      };
    }
    case 'pending':
      return {
        status: 500,
        headers: { 'retry-after': String(outcome.retryAfterS ?? PENDING_RETRY_AFTER_S) },
        body: {
          error: ApiErrorCode.seer_run_pending,
          detail:
            outcome.why === 'queued'
              ? "the run was not started: this organization's other runs were starting first; send the request again after Retry-After (this retry_token answers 404 until then)"
              : 'the run is not LIVE yet and keeps retrying; send the same body with this retry_token to wait for it again',
          retry_token: outcome.runUuid,
        },
      };
    case 'temporal_unavailable':
      return {
        status: 503,
        headers: { 'retry-after': String(TEMPORAL_UNAVAILABLE_RETRY_AFTER_S) },
        body: {
          error: ApiErrorCode.temporal_unavailable,
          detail: 'Temporal could not be reached; nothing was started, try again later',
        },
      };
    case 'seer_unavailable':
      return {
        status: 502,
        headers:
          outcome.retryAfterMs === undefined
            ? {}
            : { 'retry-after': String(Math.ceil(outcome.retryAfterMs / 1000)) },
        body: {
          error: ApiErrorCode.seer_unavailable,
          detail: 'Seer is unavailable; the run was not created, try again later',
          seer_status: outcome.seerStatus ?? null,
        },
      };
    default:
      return assertNever(outcome);
  }
}
