// Every shape a failed `startSeerRun` reaches the workflow in, built from real @temporalio/common
// failure objects, and what the workflow makes of it (nextStepAfter): end the run, or send again,
// judged against the heal window.
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  RetryState,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';
import {
  FailureReason,
  TRANSIENT_FAILURE_TYPE,
  type SeerAttemptDetails,
} from '../../src/domain/seer-run';
import { nextStepAfter, RETHROW, type NextStep } from '../../workflows/activity-failure';

/** What the activity throws for a terminal answer (activities/start-seer-run.ts). */
function terminal(reason: FailureReason, details: SeerAttemptDetails): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `Seer answered ${details.seer_status}: ${reason}`,
    reason,
    details,
  );
}

/** What the activity throws for a transient answer. */
function transient(details: SeerAttemptDetails): ApplicationFailure {
  return ApplicationFailure.create({
    message: `Seer unavailable (${details.seer_status})`,
    type: TRANSIENT_FAILURE_TYPE,
    nonRetryable: false,
    details: [details],
  });
}

/** A regular activity's failure as the workflow receives it: wrapped, with the retry state. */
function wrapped(cause: Error | undefined, retryState: RetryState): ActivityFailure {
  return new ActivityFailure(
    'Activity task failed',
    'startSeerRun',
    '2',
    retryState,
    'worker@host',
    cause,
  );
}

/**
 * The SDK's converter (1.24) builds a TimeoutFailure without its cause; the server does send the
 * last failure as one, and the workflow reads it if a later SDK passes it on.
 */
function timeout(type: TimeoutType, cause?: ApplicationFailure): TimeoutFailure {
  const failure = new TimeoutFailure(`activity ${type} timeout`, undefined, type);
  return cause === undefined ? failure : Object.assign(failure, { cause });
}

const healWindow = 'Seer did not create the run within the heal window';
const rejected400 = terminal(FailureReason.seer_rejected, { attempt: 3, seer_status: 400 });
const invalidPayload = ApplicationFailure.nonRetryable(
  'the request fails the explorer schema: query: too short',
  FailureReason.invalid_payload,
  { attempt: 0, seer_status: null } satisfies SeerAttemptDetails,
);
const unavailable503 = transient({ attempt: 4, seer_status: 503 });
const rateLimited = transient({ attempt: 1, seer_status: 429, next_retry_delay_ms: 2_000 });

describe('nextStepAfter: the heal window is judged between attempts', () => {
  const NOW = 1_000_000;
  const inside = { now_ms: NOW, window_ends_at_ms: NOW + 3_600_000 };
  const atTheEnd = { now_ms: NOW, window_ends_at_ms: NOW + 500 };
  const exhausted = (seer_status: number | null, attempts: number, message: string): NextStep => ({
    kind: 'fail',
    failure: {
      reason: 'retries_exhausted',
      seer_status,
      attempts,
      message: `${healWindow}${message}`,
      logged_by_activity: false,
    },
  });
  const byActivity = ApplicationFailure.nonRetryable(
    `${healWindow}: Seer unavailable (503)`,
    FailureReason.retries_exhausted,
    { attempt: 5, seer_status: 503, next_retry_delay_ms: 16_000 } satisfies SeerAttemptDetails,
  );
  const afterZeroDelay = transient({ attempt: 3, seer_status: 503, next_retry_delay_ms: 4_000 });

  type Clock = { now_ms: number; window_ends_at_ms: number };
  it.each<[string, unknown, Clock, sentBefore: number, NextStep | typeof RETHROW]>([
    [
      'the activity ended the run at the window (it logged it)',
      wrapped(byActivity, RetryState.NON_RETRYABLE_FAILURE),
      inside,
      1,
      {
        kind: 'fail',
        failure: {
          reason: 'retries_exhausted',
          seer_status: 503,
          attempts: 5,
          message: `${healWindow}: Seer unavailable (503)`,
          logged_by_activity: true,
        },
      },
    ],
    [
      'local transient answer with a delay: send again after it',
      rateLimited,
      inside,
      0,
      { kind: 'retry', delay_ms: 2_000, sent_before: 1 },
    ],
    [
      "local attempt cut by its own short limit: its request counts, the policy's first interval",
      timeout(TimeoutType.START_TO_CLOSE),
      inside,
      0,
      { kind: 'retry', delay_ms: 1_000, sent_before: 1 },
    ],
    [
      'local attempt cut by its limit, as the SDK delivers it (wrapped, retry state TIMEOUT)',
      wrapped(timeout(TimeoutType.START_TO_CLOSE), RetryState.TIMEOUT),
      inside,
      0,
      { kind: 'retry', delay_ms: 1_000, sent_before: 1 },
    ],
    [
      'local transient answer, wrapped (maximum attempts reached: its one try)',
      wrapped(rateLimited, RetryState.MAXIMUM_ATTEMPTS_REACHED),
      inside,
      0,
      { kind: 'retry', delay_ms: 2_000, sent_before: 1 },
    ],
    [
      'local attempt cut by its limit (no answer: Seer may have the run) as the window ends: asks again',
      timeout(TimeoutType.START_TO_CLOSE),
      atTheEnd,
      0,
      { kind: 'retry', delay_ms: 1_000, sent_before: 1 },
    ],
    [
      'a server TIMEOUT inside the window is not the window: send again',
      wrapped(afterZeroDelay, RetryState.TIMEOUT),
      inside,
      1,
      { kind: 'retry', delay_ms: 4_000, sent_before: 3 },
    ],
    [
      'a server TIMEOUT past the window: retries_exhausted with the last answer',
      wrapped(afterZeroDelay, RetryState.TIMEOUT),
      atTheEnd,
      1,
      exhausted(503, 3, ': Seer unavailable (503)'),
    ],
    [
      'the backstop schedule-to-close without a cause: what was sent before',
      wrapped(timeout(TimeoutType.SCHEDULE_TO_CLOSE), RetryState.TIMEOUT),
      atTheEnd,
      4,
      exhausted(null, 4, ''),
    ],
    [
      'a cancelled regular activity is not ours to read',
      wrapped(new CancelledFailure('cancelled'), RetryState.CANCEL_REQUESTED),
      inside,
      1,
      RETHROW,
    ],
    [
      'local terminal answer (seer_rejected 400): the run fails with it',
      terminal(FailureReason.seer_rejected, { attempt: 1, seer_status: 400 }),
      inside,
      0,
      {
        kind: 'fail',
        failure: {
          reason: 'seer_rejected',
          seer_status: 400,
          attempts: 1,
          message: 'Seer answered 400: seer_rejected',
          logged_by_activity: true,
        },
      },
    ],
    [
      'local invalid payload: fails with no request sent and no Seer status',
      invalidPayload,
      inside,
      0,
      {
        kind: 'fail',
        failure: {
          reason: 'invalid_payload',
          seer_status: null,
          attempts: 0,
          message: 'the request fails the explorer schema: query: too short',
          logged_by_activity: true,
        },
      },
    ],
    [
      "local transient answer without Retry-After: the policy's first interval",
      transient({ attempt: 1, seer_status: 503 }),
      inside,
      0,
      { kind: 'retry', delay_ms: 1_000, sent_before: 1 },
    ],
    [
      'local unexpected error in the activity: its request counts (Seer may have it), send again',
      ApplicationFailure.create({ message: 'boom', type: 'TypeError' }),
      inside,
      0,
      { kind: 'retry', delay_ms: 1_000, sent_before: 1 },
    ],
    [
      'regular terminal answer on a retry: the run fails with it and the requests it counted',
      wrapped(rejected400, RetryState.NON_RETRYABLE_FAILURE),
      inside,
      1,
      {
        kind: 'fail',
        failure: {
          reason: 'seer_rejected',
          seer_status: 400,
          attempts: 3,
          message: 'Seer answered 400: seer_rejected',
          logged_by_activity: true,
        },
      },
    ],
    [
      'regular invalid payload',
      wrapped(invalidPayload, RetryState.NON_RETRYABLE_FAILURE),
      inside,
      1,
      {
        kind: 'fail',
        failure: {
          reason: 'invalid_payload',
          seer_status: null,
          attempts: 0,
          message: 'the request fails the explorer schema: query: too short',
          logged_by_activity: true,
        },
      },
    ],
    [
      "a server TIMEOUT inside the window after an answer with no delay: that request's backoff",
      wrapped(unavailable503, RetryState.TIMEOUT),
      inside,
      1,
      { kind: 'retry', delay_ms: 8_000, sent_before: 4 },
    ],
    [
      'a server TIMEOUT with no Temporal cause at all inside the window: what was sent before',
      wrapped(undefined, RetryState.TIMEOUT),
      inside,
      2,
      { kind: 'retry', delay_ms: 2_000, sent_before: 2 },
    ],
    [
      'a regular transient failure the server did not give up on is not ours to read',
      wrapped(unavailable503, RetryState.MAXIMUM_ATTEMPTS_REACHED),
      inside,
      1,
      RETHROW,
    ],
    ['a plain Error (a bug)', new Error('boom'), inside, 0, RETHROW],
    ['a thrown string', 'boom', inside, 0, RETHROW],
    ['undefined', undefined, inside, 0, RETHROW],
  ])('%s', (_case, err, clock, sentBefore, expected) => {
    // As the workflow calls it: the local attempt is the one with nothing sent before it.
    const at = { ...clock, sent_before: sentBefore, local: sentBefore === 0 };
    expect(nextStepAfter(err, at)).toEqual(expected);
  });
});
