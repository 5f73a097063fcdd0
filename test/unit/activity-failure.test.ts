// Every shape a failed `startSeerRun` reaches the workflow in, built from real @temporalio/common
// failure objects, and what the workflow makes of it: the run's failure (runFailureOf) and, after
// the local first attempt, whether the retries take over (retryAfterFirstAttempt).
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
import { RETHROW, retryAfterFirstAttempt, runFailureOf } from '../../workflows/activity-failure';
import type { RunFailure } from '../../workflows/run-record';

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
  { attempt: 1, seer_status: null } satisfies SeerAttemptDetails,
);
const unavailable503 = transient({ attempt: 4, seer_status: 503 });
const rateLimited = transient({ attempt: 1, seer_status: 429, next_retry_delay_ms: 2_000 });

type Row = [
  shape: string,
  err: unknown,
  runFailure: RunFailure | typeof RETHROW,
  afterFirstAttempt: { retry_after_ms: number | undefined } | typeof RETHROW,
];

const rows: Row[] = [
  // The local first attempt: its failure arrives as the activity threw it.
  [
    'local: terminal answer (seer_rejected 400)',
    terminal(FailureReason.seer_rejected, { attempt: 1, seer_status: 400 }),
    {
      reason: 'seer_rejected',
      seer_status: 400,
      attempts: 1,
      message: 'Seer answered 400: seer_rejected',
    },
    RETHROW,
  ],
  [
    'local: invalid payload (no Seer status)',
    invalidPayload,
    {
      reason: 'invalid_payload',
      seer_status: null,
      attempts: 1,
      message: 'the request fails the explorer schema: query: too short',
    },
    RETHROW,
  ],
  [
    'local: transient answer without Retry-After',
    transient({ attempt: 1, seer_status: 503 }),
    RETHROW,
    { retry_after_ms: undefined },
  ],
  ['local: transient 429 with Retry-After', rateLimited, RETHROW, { retry_after_ms: 2_000 }],
  [
    "local: the attempt's own start-to-close timeout",
    timeout(TimeoutType.START_TO_CLOSE),
    { reason: 'retries_exhausted', seer_status: null, attempts: 0, message: healWindow },
    { retry_after_ms: undefined },
  ],
  [
    'local: an unexpected error in the activity (not a failure reason)',
    ApplicationFailure.create({ message: 'boom', type: 'TypeError' }),
    RETHROW,
    { retry_after_ms: undefined },
  ],
  [
    'local: a wrapped transient answer still hands over',
    wrapped(rateLimited, RetryState.MAXIMUM_ATTEMPTS_REACHED),
    RETHROW,
    { retry_after_ms: 2_000 },
  ],
  // A regular activity: wrapped in an ActivityFailure.
  [
    'regular: terminal answer on a retry',
    wrapped(rejected400, RetryState.NON_RETRYABLE_FAILURE),
    {
      reason: 'seer_rejected',
      seer_status: 400,
      attempts: 3,
      message: 'Seer answered 400: seer_rejected',
    },
    RETHROW,
  ],
  [
    'regular: invalid payload',
    wrapped(invalidPayload, RetryState.NON_RETRYABLE_FAILURE),
    {
      reason: 'invalid_payload',
      seer_status: null,
      attempts: 1,
      message: 'the request fails the explorer schema: query: too short',
    },
    RETHROW,
  ],
  [
    'regular: heal window over, the server fails it with the last transient answer',
    wrapped(unavailable503, RetryState.TIMEOUT),
    {
      reason: 'retries_exhausted',
      seer_status: 503,
      attempts: 4,
      message: `${healWindow}: Seer unavailable (503)`,
    },
    { retry_after_ms: undefined },
  ],
  [
    'regular: heal window over while an attempt ran (schedule-to-close timeout, no cause)',
    wrapped(timeout(TimeoutType.SCHEDULE_TO_CLOSE), RetryState.TIMEOUT),
    { reason: 'retries_exhausted', seer_status: null, attempts: 0, message: healWindow },
    { retry_after_ms: undefined },
  ],
  [
    'regular: schedule-to-close timeout whose cause is the last transient answer',
    wrapped(timeout(TimeoutType.SCHEDULE_TO_CLOSE, unavailable503), RetryState.TIMEOUT),
    {
      reason: 'retries_exhausted',
      seer_status: 503,
      attempts: 4,
      message: `${healWindow}: Seer unavailable (503)`,
    },
    { retry_after_ms: undefined },
  ],
  [
    'regular: heal window over, no Temporal cause at all',
    wrapped(undefined, RetryState.TIMEOUT),
    { reason: 'retries_exhausted', seer_status: null, attempts: 0, message: healWindow },
    { retry_after_ms: undefined },
  ],
  [
    'regular: a transient failure that did not exhaust the window (not ours to read)',
    wrapped(unavailable503, RetryState.MAXIMUM_ATTEMPTS_REACHED),
    RETHROW,
    { retry_after_ms: undefined },
  ],
  [
    'regular: cancelled',
    wrapped(new CancelledFailure('cancelled'), RetryState.CANCEL_REQUESTED),
    RETHROW,
    { retry_after_ms: undefined },
  ],
  // Not an activity failure.
  ['unknown: a plain Error (a bug in the workflow)', new Error('boom'), RETHROW, RETHROW],
  ['unknown: a thrown string', 'boom', RETHROW, RETHROW],
  ['unknown: undefined', undefined, RETHROW, RETHROW],
];

describe.each(rows)('%s', (_shape, err, runFailure, afterFirstAttempt) => {
  it('runFailureOf', () => {
    expect(runFailureOf(err)).toEqual(runFailure);
  });
  it('retryAfterFirstAttempt', () => {
    expect(retryAfterFirstAttempt(err)).toEqual(afterFirstAttempt);
  });
});
