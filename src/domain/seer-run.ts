// A SeerRun's status, failure reasons and the shape GET and the `status` query answer with.
// Shared by API, workflow and activity; no zod here, so the workflow bundle stays small.

export const SeerRunStatus = { PENDING: 'PENDING', LIVE: 'LIVE', FAILED: 'FAILED' } as const;
export type SeerRunStatus = (typeof SeerRunStatus)[keyof typeof SeerRunStatus];

export const FailureReason = {
  invalid_json_body: 'invalid_json_body',
  missing_run_id: 'missing_run_id',
  invalid_run_id: 'invalid_run_id',
  seer_rejected: 'seer_rejected',
  invalid_payload: 'invalid_payload',
  unsupported_type: 'unsupported_type',
  retries_exhausted: 'retries_exhausted',
  terminated: 'terminated',
  cancelled: 'cancelled',
  timed_out: 'timed_out',
} as const;
export type FailureReason = (typeof FailureReason)[keyof typeof FailureReason];
export const FAILURE_REASONS = Object.values(FailureReason) as [FailureReason, ...FailureReason[]];

export function isFailureReason(value: unknown): value is FailureReason {
  return typeof value === 'string' && (FAILURE_REASONS as string[]).includes(value);
}

export interface SeerRunResult {
  run_id: number;
  started_by: string;
}

export interface SeerRunFailure {
  reason: FailureReason;
  seer_status?: number;
}

/** What GET, the list and the workflow's `status` query answer for one run. */
export interface SeerRunView {
  run_uuid: string;
  type: string;
  organization_id: number;
  project_id: number | null;
  status: SeerRunStatus;
  run_id: number | null;
  failure: SeerRunFailure | null;
  attempts: number;
  started_at: string;
  closed_at: string | null;
}

/**
 * A SeerRun's memo. body_sha256 is set at start (src/temporal/runs.ts); the workflow writes the rest
 * (workflows/run-record.ts). Read back from Temporal, each value is `unknown` until checked. The
 * run's total of requests is the `SeerRunAttempts` search attribute, not a memo field.
 */
export interface RunMemo {
  /** SHA-256 of the canonical validated body: a reused Idempotency-Key must match it. */
  body_sha256: string;
  /**
   * Requests sent to Seer for the run, as histories recorded before `SeerRunAttempts` (v1 to v3)
   * wrote it; no workflow writes it today.
   */
  attempts?: number;
  /**
   * Requests earlier activities sent (the local first attempt's 1, then each regular activity's,
   * once retries moved to a new one): while the run is open, GET and the list add the pending
   * activity's to it.
   */
  local_attempts?: number;
  /** Seer's HTTP status on the answer that failed the run; written only when there was one. */
  seer_status?: number | null;
}

/** ApplicationFailure type of a retryable Seer answer (a 5xx, 408/429, a network error). */
export const TRANSIENT_FAILURE_TYPE = 'seer_transient';

/**
 * ApplicationFailure type (non-retryable) of an attempt that sent nothing: the worker's Seer request
 * budget (SEER_MAX_REQUESTS_PER_SECOND) had no token in time. Details[0].attempt is the count sent
 * before it; the workflow sends again at once through a regular activity (activity-failure.ts).
 */
export const REQUEST_NOT_SENT_FAILURE_TYPE = 'seer_request_not_sent';

/**
 * Details[0] of every failure `startSeerRun` throws. The delay travels here because Temporal does
 * not hand an ApplicationFailure's nextRetryDelay back to workflow code (the local first attempt).
 */
export interface SeerAttemptDetails {
  /** Requests sent to Seer for this run so far, this one included (0 when none was sent). */
  attempt: number;
  seer_status: number | null;
  /**
   * On a transient failure: when the next request goes (Seer's Retry-After bounded to 1–60 s, else
   * the policy's backoff; retry-delay.ts). Absent in failures recorded by older workers when Seer
   * gave no Retry-After.
   */
  next_retry_delay_ms?: number;
}
