import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/client';
import { TimeoutType, TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import { SearchAttr } from '../../src/domain';
import {
  failureOfClosedRun,
  runViewOf,
  type PendingActivity,
  type RunExecution,
} from '../../src/temporal/client/run-view';

const UUID = '3b241101-e2bb-4255-8caf-4136c566a962';
const START = new Date('2026-11-25T10:00:00.000Z');
const CLOSE = new Date('2026-11-25T10:00:01.500Z');

function execution(
  status: RunExecution['status']['name'],
  attrs: SearchAttributePair[],
  memo: Record<string, unknown> = {},
): RunExecution {
  return {
    workflowId: UUID.toUpperCase(),
    status: { code: 0, name: status },
    startTime: START,
    closeTime: status === 'RUNNING' ? undefined : CLOSE,
    memo,
    typedSearchAttributes: new TypedSearchAttributes([
      { key: SearchAttr.type, value: 'explorer' },
      { key: SearchAttr.organizationId, value: 42 },
      ...attrs,
    ]),
  };
}

const pending = { key: SearchAttr.status, value: 'PENDING' } as const;
const SCHEDULED = 1;
const STARTED = 2;

/** The workflow's Seer request as describe() lists it while it is pending. */
function seerRequest(attempt: number, state: number): PendingActivity {
  return { activityType: { name: 'startSeerRun' }, attempt, state };
}
const live = { key: SearchAttr.status, value: 'LIVE' } as const;

describe('a run as GET reads it', () => {
  it('an open run is PENDING with the requests its pending attempt has sent', () => {
    const view = runViewOf(execution('RUNNING', [pending]), [seerRequest(2, STARTED)]);
    expect(view).toEqual({
      run_uuid: UUID,
      type: 'explorer',
      organization_id: 42,
      project_id: null,
      status: 'PENDING',
      run_id: null,
      failure: null,
      attempts: 2,
      started_at: '2026-11-25T10:00:00.000Z',
      closed_at: null,
    });
  });

  it('a completed run is LIVE with its run_id, project and recorded attempts', () => {
    const view = runViewOf(
      execution('COMPLETED', [
        live,
        { key: SearchAttr.runId, value: 0 },
        { key: SearchAttr.projectId, value: 9 },
        { key: SearchAttr.attempts, value: 3 },
      ]),
      null,
    );
    expect(view).toMatchObject({
      status: 'LIVE',
      run_id: 0,
      project_id: 9,
      attempts: 3,
      failure: null,
      closed_at: '2026-11-25T10:00:01.500Z',
    });
  });

  it('an open run that already went LIVE reads LIVE (it is starting its follow-up)', () => {
    const view = runViewOf(execution('RUNNING', [live, { key: SearchAttr.runId, value: 5 }]), null);
    expect(view).toMatchObject({ status: 'LIVE', run_id: 5 });
  });

  it('a run that failed by its own hand reads FAILED with its reason and Seer status', () => {
    const view = runViewOf(
      execution(
        'FAILED',
        [
          { key: SearchAttr.status, value: 'FAILED' },
          { key: SearchAttr.failureReason, value: 'seer_rejected' },
          { key: SearchAttr.attempts, value: 1 },
        ],
        { seer_status: 400 },
      ),
      null,
    );
    expect(view).toMatchObject({
      status: 'FAILED',
      run_id: null,
      failure: { reason: 'seer_rejected', seer_status: 400 },
      attempts: 1,
    });
  });

  it('a recorded null seer_status is left out of the failure', () => {
    const view = runViewOf(
      execution(
        'FAILED',
        [
          { key: SearchAttr.failureReason, value: 'unsupported_type' },
          { key: SearchAttr.attempts, value: 0 },
        ],
        { attempts: 0, seer_status: null },
      ),
      null,
    );
    expect(view.failure).toEqual({ reason: 'unsupported_type' });
  });

  it.each([
    ['TERMINATED', 'terminated'],
    ['CANCELLED', 'cancelled'],
    ['TIMED_OUT', 'timed_out'],
    ['FAILED', 'terminated'],
  ] as const)(
    'a run closed as %s without a reason of its own reads FAILED %s',
    (status, reason) => {
      const view = runViewOf(execution(status, [pending]), [seerRequest(4, STARTED)]);
      expect(view).toMatchObject({ status: 'FAILED', failure: { reason }, attempts: 0 });
    },
  );

  it('a run terminated after it went LIVE stays LIVE: Seer has the run', () => {
    const view = runViewOf(
      execution('TERMINATED', [live, { key: SearchAttr.runId, value: 8 }]),
      null,
    );
    expect(view).toMatchObject({ status: 'LIVE', run_id: 8, failure: null });
  });
});

describe('attempts a run has sent so far', () => {
  const recorded = (value: number) => [{ key: SearchAttr.attempts, value }] as const;
  it.each([
    ['a closed run: its recorded total', recorded(3), { local_attempts: 1 }, true, [], 3],
    [
      'an open run with a recorded total (LIVE, starting its follow-up)',
      recorded(2),
      {},
      false,
      [seerRequest(5, STARTED)],
      2,
    ],
    ['the recorded total wins over a total in the memo', recorded(4), { attempts: 3 }, true, [], 4],
    ['a run recorded before SeerRunAttempts: the memo total', [], { attempts: 3 }, true, [], 3],
    [
      'an open run recorded before SeerRunAttempts, with its memo total',
      [],
      { attempts: 2 },
      false,
      [seerRequest(5, STARTED)],
      2,
    ],
    [
      'a run closed from outside: its local first attempt',
      [],
      { local_attempts: 1 },
      true,
      [seerRequest(4, STARTED)],
      1,
    ],
    ['a run closed from outside before any request', [], {}, true, null, 0],
    [
      'an open run: local first attempt plus the started attempt',
      [],
      { local_attempts: 1 },
      false,
      [seerRequest(3, STARTED)],
      4,
    ],
    [
      'an open run: an attempt waiting for its backoff has sent nothing yet',
      [],
      { local_attempts: 1 },
      false,
      [seerRequest(3, SCHEDULED)],
      3,
    ],
    ['an open run with no pending Seer request', [], { local_attempts: 1 }, false, [], 1],
    [
      'an open run read from a list (no pending activities)',
      [],
      { local_attempts: 1 },
      false,
      null,
      1,
    ],
    [
      'another pending activity is not counted',
      [],
      {},
      false,
      [{ activityType: { name: 'other' }, attempt: 2, state: STARTED }],
      0,
    ],
  ] as const)('%s', (_, attrs, memo, closed, pendingActivities, expected) => {
    const run = execution(closed ? 'TERMINATED' : 'RUNNING', [...attrs], memo);
    expect(runViewOf(run, pendingActivities).attempts).toBe(expected);
  });
});

describe("a failed result's reason", () => {
  it("is the workflow's ApplicationFailure type, with seer_status from its details", () => {
    const failure = ApplicationFailure.nonRetryable('no', 'seer_rejected', {
      reason: 'seer_rejected',
      seer_status: 403,
    });
    expect(failureOfClosedRun(failure)).toEqual({ reason: 'seer_rejected', seer_status: 403 });
    expect(failureOfClosedRun(ApplicationFailure.nonRetryable('no', 'missing_run_id', {}))).toEqual(
      {
        reason: 'missing_run_id',
      },
    );
  });

  it('is cancelled, timed_out or terminated for runs closed from outside', () => {
    expect(failureOfClosedRun(new CancelledFailure('x'))).toEqual({ reason: 'cancelled' });
    expect(
      failureOfClosedRun(new TimeoutFailure('x', undefined, TimeoutType.START_TO_CLOSE)),
    ).toEqual({
      reason: 'timed_out',
    });
    expect(failureOfClosedRun(new TerminatedFailure('x'))).toEqual({ reason: 'terminated' });
    expect(failureOfClosedRun(ApplicationFailure.create({ type: 'Error' }))).toEqual({
      reason: 'terminated',
    });
  });
});
