// What the workflow makes of a failed `startSeerRun`, read from the caught error alone: pure
// functions (no workflow APIs), so every failure shape is tested as a table
// (test/unit/activity-failure.test.ts).
//
// The shapes: a local activity's failure arrives as is (an ApplicationFailure from the activity,
// or a TimeoutFailure), or wrapped; a regular activity's arrives wrapped in an ActivityFailure
// whose cause is the activity's own failure. The heal window is judged between attempts
// (`nextStepAfter`): the activity itself ends the run at the window (a retries_exhausted failure);
// the server giving up (retry state TIMEOUT, a schedule-to-close timeout) is only a backstop, and
// the workflow still checks the window's end before reading it as retries_exhausted.
import {
  ActivityFailure,
  ApplicationFailure,
  RetryState,
  TemporalFailure,
  TimeoutFailure,
} from '@temporalio/common';
import { backoffMs, retryDelayMs } from '../src/domain/retry-delay';
import {
  FailureReason,
  isFailureReason,
  REQUEST_NOT_SENT_FAILURE_TYPE,
  TRANSIENT_FAILURE_TYPE,
  type SeerAttemptDetails,
} from '../src/domain/seer-run';
import type { RunFailure } from './run-record';

/** Not a failure this workflow reads (a bug, a cancellation, ...): throw it on unchanged. */
export const RETHROW = 'rethrow';

/**
 * After failed attempts: the run ends, or another activity sends again after `delay_ms` (0: at
 * once). `nothing_sent`: the last activity sent no request (the worker's Seer budget had no token).
 */
export type NextStep =
  | { kind: 'fail'; failure: RunFailure }
  | { kind: 'retry'; delay_ms: number; sent_before: number; nothing_sent: boolean };

/**
 * What follows a failed `startSeerRun` (the local first attempt, or a regular activity and its
 * retries), given the workflow's clock, the heal window's end and the requests sent before it:
 * - a failure reason the activity chose (retries_exhausted included) ends the run with it;
 * - the local attempt's transient answer, its own (short) timeout or an unexpected error, and the
 *   server giving up on a regular activity (retry state TIMEOUT, a schedule-to-close timeout),
 *   mean "not yet": send again after the last answer's delay (else the policy's backoff), unless
 *   that lands past the window's end: then retries_exhausted. A server TIMEOUT is never proof
 *   that the window is over (a zero nextRetryDelay gives one too);
 * - an attempt that sent nothing (REQUEST_NOT_SENT_FAILURE_TYPE: no token from the worker's Seer
 *   budget in time) is sent again at once by a regular activity, which waits in matching (the
 *   task queue's rate limit) rather than in a timer, with the exact count sent before it; waiting
 *   counts toward the window as any retry does: past its end, retries_exhausted;
 * - anything else (a cancellation, a bug) is RETHROW.
 * A local attempt that timed out or broke counts as a request sent: Seer may have it. Delays the
 * workflow computes itself carry the run's jitter (src/domain/jitter.ts), hence `run_uuid`.
 */
export function nextStepAfter(
  err: unknown,
  at: {
    local: boolean;
    now_ms: number;
    window_ends_at_ms: number;
    sent_before: number;
    run_uuid: string;
  },
): NextStep | typeof RETHROW {
  const cause = activityFailureOf(err);
  if (cause === undefined) return RETHROW;
  if (cause instanceof ApplicationFailure && isFailureReason(cause.type)) {
    return { kind: 'fail', failure: ownFailure(cause, cause.type) };
  }
  if (cause instanceof ApplicationFailure && cause.type === REQUEST_NOT_SENT_FAILURE_TYPE) {
    return notSent(cause, at);
  }
  // Local activities' failures may arrive wrapped too: only the caller knows which attempt it was.
  const regular = !at.local;
  const serverGaveUp =
    err instanceof ActivityFailure &&
    (err.retryState === RetryState.TIMEOUT || cause instanceof TimeoutFailure);
  if (regular && !serverGaveUp) return RETHROW;
  const lastAttempt = lastAttemptOf(cause);
  const details =
    lastAttempt?.type === TRANSIENT_FAILURE_TYPE ? attemptDetailsOf(lastAttempt) : undefined;
  const sent = details?.attempt ?? (regular ? at.sent_before : at.sent_before + 1);
  const delay = details?.next_retry_delay_ms ?? retryDelayMs(at.run_uuid, sent, undefined);
  // A local attempt that ended without Seer's answer (its short limit ran out) may have reached
  // Seer: ask again under the same key whatever the window; that answer decides (spec §4).
  if (!regular && details === undefined) {
    return { kind: 'retry', delay_ms: delay, sent_before: sent, nothing_sent: false };
  }
  // The window is judged with the policy's own delay when the workflow computed it: runs that were
  // open when jitter shipped decided with that one, and replay must decide alike (a timer's length
  // is not checked on replay; retry-or-fail is).
  const judgedDelay = details?.next_retry_delay_ms ?? backoffMs(sent);
  if (at.now_ms + judgedDelay > at.window_ends_at_ms) {
    const failure: RunFailure = {
      reason: FailureReason.retries_exhausted,
      seer_status: details?.seer_status ?? null,
      attempts: sent,
      message: healWindowMessage(lastAttempt),
      logged_by_activity: false,
    };
    return { kind: 'fail', failure };
  }
  return { kind: 'retry', delay_ms: delay, sent_before: sent, nothing_sent: false };
}

/**
 * An attempt that sent nothing: send again at once with the count sent before it (details[0]),
 * unless the window is already over. Seer's last status is not known here (an earlier activity
 * heard it), so a run ended this way records none.
 */
function notSent(
  cause: ApplicationFailure,
  at: { now_ms: number; window_ends_at_ms: number; sent_before: number },
): NextStep {
  const sent = attemptDetailsOf(cause)?.attempt ?? at.sent_before;
  if (at.now_ms > at.window_ends_at_ms) {
    const failure: RunFailure = {
      reason: FailureReason.retries_exhausted,
      seer_status: null,
      attempts: sent,
      message: healWindowMessage(cause),
      logged_by_activity: false,
    };
    return { kind: 'fail', failure };
  }
  return { kind: 'retry', delay_ms: 0, sent_before: sent, nothing_sent: true };
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

/** A failure reason the activity chose and logged: the run's failure as its details say. */
function ownFailure(cause: ApplicationFailure, reason: FailureReason): RunFailure {
  return { ...fromLastAttempt(reason, cause), message: cause.message, logged_by_activity: true };
}

/** The last attempt's own failure: the cause itself, or what a timeout carries. */
function lastAttemptOf(cause: TemporalFailure | undefined): ApplicationFailure | undefined {
  const last = cause instanceof TimeoutFailure ? cause.cause : cause;
  return last instanceof ApplicationFailure ? last : undefined;
}

function healWindowMessage(lastAttempt: ApplicationFailure | undefined): string {
  return `Seer did not create the run within the heal window${lastAttempt ? `: ${lastAttempt.message}` : ''}`;
}

/** Requests sent and Seer's status, from details[0] of the last attempt's failure (none: 0, null). */
function fromLastAttempt(
  reason: FailureReason,
  last: ApplicationFailure | undefined,
): Omit<RunFailure, 'message' | 'logged_by_activity'> {
  const details = last === undefined ? undefined : attemptDetailsOf(last);
  return { reason, seer_status: details?.seer_status ?? null, attempts: details?.attempt ?? 0 };
}

function attemptDetailsOf(failure: ApplicationFailure): SeerAttemptDetails | undefined {
  return failure.details?.[0] as SeerAttemptDetails | undefined;
}
