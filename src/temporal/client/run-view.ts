// How a SeerRun reads from outside: its GET shape built from Temporal's description or list item
// (status, search attributes, memo, pending activity), and the failure a closed run's result reports.
import {
  ApplicationFailure,
  CancelledFailure,
  TimeoutFailure,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import {
  attemptsSent,
  FailureReason,
  isFailureReason,
  SearchAttr,
  SeerRunStatus,
  START_SEER_RUN_ACTIVITY,
  type PendingSeerAttempt,
  type RunMemo as SeerRunMemo,
  type SeerRunFailure,
  type SeerRunView,
} from '../../domain';

type RunMemo = { [K in keyof SeerRunMemo]?: unknown };

/** The part of a describe() or a list item a run's view is read from. */
export type RunExecution = Pick<
  WorkflowExecutionInfo,
  'workflowId' | 'status' | 'startTime' | 'closeTime' | 'memo' | 'typedSearchAttributes'
>;

export type PendingActivity = NonNullable<
  WorkflowExecutionDescription['raw']['pendingActivities']
>[number];

/** The run's `startSeerRun` attempt among describe()'s pending activities, if one is pending. */
export function pendingSeerAttempt(
  pending: ReadonlyArray<PendingActivity> | null | undefined,
): PendingSeerAttempt | null {
  const activity = pending?.find((p) => p.activityType?.name === START_SEER_RUN_ACTIVITY);
  if (!activity?.attempt) return null;
  return {
    attempt: activity.attempt,
    started:
      activity.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
  };
}

/** The failure a run closed by someone else's hand (or by a bug) reads as. */
function closedFromOutside(status: RunExecution['status']['name']): FailureReason {
  if (status === 'CANCELLED') return FailureReason.cancelled;
  if (status === 'TIMED_OUT') return FailureReason.timed_out;
  // TERMINATED, and a FAILED run that recorded no reason of its own.
  return FailureReason.terminated;
}

/** `pending` comes from a describe() (GET, and the list for an open run); else null. */
export function runViewOf(
  run: RunExecution,
  pending: ReadonlyArray<PendingActivity> | null | undefined,
): SeerRunView {
  const attrs = run.typedSearchAttributes;
  const memo = (run.memo ?? {}) as RunMemo;
  const recorded = attrs.get(SearchAttr.status);
  const recordedReason = attrs.get(SearchAttr.failureReason);
  const closed = run.closeTime !== undefined;

  let status: SeerRunStatus;
  let failure: SeerRunFailure | null = null;
  if (recorded === SeerRunStatus.LIVE || run.status.name === 'COMPLETED') {
    // LIVE by the run's own hand stays LIVE even if it was terminated later (e.g. during the
    // explorer follow-up): Seer has the run.
    status = SeerRunStatus.LIVE;
  } else if (!closed) {
    status = SeerRunStatus.PENDING;
  } else {
    status = SeerRunStatus.FAILED;
    const ownReason =
      run.status.name === 'FAILED' && isFailureReason(recordedReason) ? recordedReason : null;
    failure = { reason: ownReason ?? closedFromOutside(run.status.name) };
    if (ownReason !== null && typeof memo.seer_status === 'number') {
      failure.seer_status = memo.seer_status;
    }
  }

  return {
    run_uuid: run.workflowId.toLowerCase(),
    type: attrs.get(SearchAttr.type) ?? 'unknown',
    organization_id: attrs.get(SearchAttr.organizationId) ?? 0,
    project_id: attrs.get(SearchAttr.projectId) ?? null,
    status,
    run_id: status === SeerRunStatus.LIVE ? (attrs.get(SearchAttr.runId) ?? null) : null,
    failure,
    attempts: attemptsSent({
      recorded: attrs.get(SearchAttr.attempts),
      memo,
      closed,
      pending: pendingSeerAttempt(pending),
    }),
    started_at: run.startTime.toISOString(),
    closed_at: run.closeTime?.toISOString() ?? null,
  };
}

export function bodySha256Of(run: Pick<RunExecution, 'memo'>): string | null {
  const recorded = (run.memo as RunMemo | undefined)?.body_sha256;
  return typeof recorded === 'string' ? recorded : null;
}

/**
 * The failure at the end of a failed result's cause chain: the workflow's own ApplicationFailure
 * names the reason (details[0] carries seer_status); the others mean it was closed from outside.
 */
export function failureOfClosedRun(cause: unknown): SeerRunFailure {
  if (cause instanceof ApplicationFailure && isFailureReason(cause.type)) {
    const details = cause.details?.[0] as { seer_status?: unknown } | undefined;
    return typeof details?.seer_status === 'number'
      ? { reason: cause.type, seer_status: details.seer_status }
      : { reason: cause.type };
  }
  if (cause instanceof CancelledFailure) return { reason: FailureReason.cancelled };
  if (cause instanceof TimeoutFailure) return { reason: FailureReason.timed_out };
  // TerminatedFailure, and anything else that closed the run without its own reason.
  return { reason: FailureReason.terminated };
}
