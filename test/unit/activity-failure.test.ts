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
import { backoffMs, retryDelayMs } from '../../src/domain/retry-delay';
import {
  FailureReason,
  REQUEST_NOT_SENT_FAILURE_TYPE,
  TRANSIENT_FAILURE_TYPE,
  type SeerAttemptDetails,
} from '../../src/domain/seer-run';
import { nextStepAfter, RETHROW, type NextStep } from '../../workflows/activity-failure';

const RUN_UUID = '3b241101-e2bb-4255-8caf-4136c566a962';
/** The policy's delay after request `n`, with this run's jitter: what the workflow computes itself. */
const jittered = (n: number) => retryDelayMs(RUN_UUID, n, undefined);
/** A retry that sent something, after `delay_ms`. */
const retry = (delay_ms: number, sent_before: number): NextStep => ({
  kind: 'retry',
  delay_ms,
  sent_before,
  nothing_sent: false,
});

/** What the activity throws when the worker's Seer budget had no token in time. */
function notSent(sentBefore: number): ApplicationFailure {
  return ApplicationFailure.create({
    message: 'no Seer request token in time (SEER_MAX_REQUESTS_PER_SECOND); nothing sent',
    type: REQUEST_NOT_SENT_FAILURE_TYPE,
    nonRetryable: true,
    details: [{ attempt: sentBefore, seer_status: null } satisfies SeerAttemptDetails],
  });
}

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
      retry(2_000, 1),
    ],
    [
      "local attempt cut by its own short limit: its request counts, the policy's first interval",
      timeout(TimeoutType.START_TO_CLOSE),
      inside,
      0,
      retry(jittered(1), 1),
    ],
    [
      'local attempt cut by its limit, as the SDK delivers it (wrapped, retry state TIMEOUT)',
      wrapped(timeout(TimeoutType.START_TO_CLOSE), RetryState.TIMEOUT),
      inside,
      0,
      retry(jittered(1), 1),
    ],
    [
      'local transient answer, wrapped (maximum attempts reached: its one try)',
      wrapped(rateLimited, RetryState.MAXIMUM_ATTEMPTS_REACHED),
      inside,
      0,
      retry(2_000, 1),
    ],
    [
      'local attempt cut by its limit (no answer: Seer may have the run) as the window ends: asks again',
      timeout(TimeoutType.START_TO_CLOSE),
      atTheEnd,
      0,
      retry(jittered(1), 1),
    ],
    [
      'a server TIMEOUT inside the window is not the window: send again',
      wrapped(afterZeroDelay, RetryState.TIMEOUT),
      inside,
      1,
      retry(4_000, 3),
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
      retry(jittered(1), 1),
    ],
    [
      'local unexpected error in the activity: its request counts (Seer may have it), send again',
      ApplicationFailure.create({ message: 'boom', type: 'TypeError' }),
      inside,
      0,
      retry(jittered(1), 1),
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
      retry(jittered(4), 4),
    ],
    [
      'a server TIMEOUT with no Temporal cause at all inside the window: what was sent before',
      wrapped(undefined, RetryState.TIMEOUT),
      inside,
      2,
      retry(jittered(2), 2),
    ],
    [
      'a regular transient failure the server did not give up on is not ours to read',
      wrapped(unavailable503, RetryState.MAXIMUM_ATTEMPTS_REACHED),
      inside,
      1,
      RETHROW,
    ],
    [
      "the window is judged with the policy's delay, not its jittered one (as histories recorded before jitter decided)",
      wrapped(undefined, RetryState.TIMEOUT),
      // The window ends 2 s from now: the policy's 2 s after the 2nd request fits, jittered or not.
      { now_ms: 1_000_000, window_ends_at_ms: 1_002_000 },
      2,
      retry(jittered(2), 2),
    ],
    ['a plain Error (a bug)', new Error('boom'), inside, 0, RETHROW],
    ['a thrown string', 'boom', inside, 0, RETHROW],
    ['undefined', undefined, inside, 0, RETHROW],
  ])('%s', (_case, err, clock, sentBefore, expected) => {
    // As the workflow calls it: the local attempt is the one with nothing sent before it.
    const at = { ...clock, sent_before: sentBefore, local: sentBefore === 0, run_uuid: RUN_UUID };
    expect(nextStepAfter(err, at)).toEqual(expected);
  });

  it("the delays the workflow computes itself are the policy's, lengthened by at most a fifth", () => {
    for (const n of [1, 2, 4]) {
      expect(jittered(n)).toBeGreaterThanOrEqual(backoffMs(n));
      expect(jittered(n)).toBeLessThanOrEqual(backoffMs(n) * 1.2);
    }
  });
});

describe('nextStepAfter: an attempt that sent nothing (no token from the Seer budget)', () => {
  const NOW = 1_000_000;
  const inside = { now_ms: NOW, window_ends_at_ms: NOW + 3_600_000 };
  const past = { now_ms: NOW, window_ends_at_ms: NOW - 1 };
  const atOnce = (sent_before: number): NextStep => ({
    kind: 'retry',
    delay_ms: 0,
    sent_before,
    nothing_sent: true,
  });
  type Row = [
    string,
    unknown,
    { now_ms: number; window_ends_at_ms: number },
    local: boolean,
    sentBefore: number,
    NextStep,
  ];
  it.each<Row>([
    [
      'the local first attempt sent nothing: a regular activity at once, 0 sent',
      notSent(0),
      inside,
      true,
      0,
      atOnce(0),
    ],
    [
      'the local first attempt, wrapped as the SDK may deliver it',
      wrapped(notSent(0), RetryState.NON_RETRYABLE_FAILURE),
      inside,
      true,
      0,
      atOnce(0),
    ],
    [
      "a regular activity's first attempt sent nothing: a fresh one at once, the count unchanged",
      wrapped(notSent(0), RetryState.NON_RETRYABLE_FAILURE),
      inside,
      false,
      0,
      atOnce(0),
    ],
    [
      "a regular activity's third attempt sent nothing after 1 + 2 requests: exactly 3 sent before",
      wrapped(notSent(3), RetryState.NON_RETRYABLE_FAILURE),
      inside,
      false,
      1,
      atOnce(3),
    ],
    [
      'sent nothing and the window is over: retries_exhausted with the exact count, no Seer status',
      wrapped(notSent(3), RetryState.NON_RETRYABLE_FAILURE),
      past,
      false,
      1,
      {
        kind: 'fail',
        failure: {
          reason: 'retries_exhausted',
          seer_status: null,
          attempts: 3,
          message:
            'Seer did not create the run within the heal window: no Seer request token in time (SEER_MAX_REQUESTS_PER_SECOND); nothing sent',
          logged_by_activity: false,
        },
      },
    ],
    [
      "sent nothing exactly at the window's end: still inside, sent again at once",
      notSent(0),
      { now_ms: NOW, window_ends_at_ms: NOW },
      true,
      0,
      atOnce(0),
    ],
  ])('%s', (_case, err, clock, local, sentBefore, expected) => {
    const at = { ...clock, sent_before: sentBefore, local, run_uuid: RUN_UUID };
    expect(nextStepAfter(err, at)).toEqual(expected);
  });
});
