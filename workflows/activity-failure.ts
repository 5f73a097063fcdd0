// What the workflow makes of a failed `startSeerRun`, read from the caught error alone: pure
// functions (no workflow APIs), so every failure shape is tested as a table
// (test/unit/activity-failure.test.ts).
//
// The shapes: a local activity's failure arrives as is (an ApplicationFailure from the activity,
// or a TimeoutFailure); a regular activity's arrives wrapped in an ActivityFailure whose cause is
// the activity's own failure. The heal window running out is either the server failing the
// activity with its last failure once the next retry would land past the window (retryState
// TIMEOUT) or a schedule-to-close timeout while an attempt was still running (a TimeoutFailure,
// whose cause is the last failure when there is one).
import {
  ActivityFailure,
  ApplicationFailure,
  RetryState,
  TemporalFailure,
  TimeoutFailure,
} from '@temporalio/common';
import {
  FailureReason,
  isFailureReason,
  TRANSIENT_FAILURE_TYPE,
  type SeerAttemptDetails,
} from '../src/domain/seer-run';
import type { RunFailure } from './run-record';

/** Not a failure this workflow reads (a bug, a cancellation, ...): throw it on unchanged. */
export const RETHROW = 'rethrow';

/**
 * The run's failure: a failure reason the activity chose (terminal answer, invalid payload), or
 * retries_exhausted when the heal window ran out. Any other error is RETHROW.
 */
export function runFailureOf(err: unknown): RunFailure | typeof RETHROW {
  const cause = activityFailureOf(err);
  if (cause instanceof ApplicationFailure && isFailureReason(cause.type)) {
    return { ...fromLastAttempt(cause.type, cause), message: cause.message };
  }
  const healWindowOver = err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT;
  if (cause instanceof TimeoutFailure || healWindowOver) {
    const last = cause instanceof TimeoutFailure ? cause.cause : cause;
    const lastAttempt = last instanceof ApplicationFailure ? last : undefined;
    return {
      ...fromLastAttempt(FailureReason.retries_exhausted, lastAttempt),
      message: `Seer did not create the run within the heal window${lastAttempt ? `: ${lastAttempt.message}` : ''}`,
    };
  }
  return RETHROW;
}

/**
 * After the local first attempt failed: a terminal failure reason ends the run (RETHROW it, and
 * runFailureOf reads it); anything else Temporal reports (a transient answer, the attempt's own
 * timeout, an unexpected error in the activity) is what the retries are for. They start after
 * Seer's Retry-After when it gave one (capped by the activity), else after the policy's first
 * interval (retry_after_ms undefined).
 */
export function retryAfterFirstAttempt(
  err: unknown,
): { retry_after_ms: number | undefined } | typeof RETHROW {
  const cause = activityFailureOf(err);
  if (cause === undefined) return RETHROW;
  if (cause instanceof ApplicationFailure && isFailureReason(cause.type)) return RETHROW;
  const details =
    cause instanceof ApplicationFailure && cause.type === TRANSIENT_FAILURE_TYPE
      ? attemptDetailsOf(cause)
      : undefined;
  return { retry_after_ms: details?.next_retry_delay_ms };
}

/**
 * What the activity itself failed with: the cause of a regular activity's ActivityFailure (or the
 * ActivityFailure when it has no Temporal cause), a local activity's failure as is. Undefined for
 * an error that is neither.
 */
function activityFailureOf(err: unknown): TemporalFailure | undefined {
  if (err instanceof ActivityFailure) return err.cause instanceof TemporalFailure ? err.cause : err;
  return err instanceof TemporalFailure ? err : undefined;
}

/** Requests sent and Seer's status, from details[0] of the last attempt's failure (none: 0, null). */
function fromLastAttempt(
  reason: FailureReason,
  last: ApplicationFailure | undefined,
): Omit<RunFailure, 'message'> {
  const details = last === undefined ? undefined : attemptDetailsOf(last);
  return { reason, seer_status: details?.seer_status ?? null, attempts: details?.attempt ?? 0 };
}

function attemptDetailsOf(failure: ApplicationFailure): SeerAttemptDetails | undefined {
  return failure.details?.[0] as SeerAttemptDetails | undefined;
}
