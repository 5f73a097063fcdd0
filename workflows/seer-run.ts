// Workflow `seerRun`: one per run UUID. Sends the run to Seer through the `startSeerRun` activity,
// keeps the run's status in search attributes, and records why a run failed.
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  TimeoutFailure,
  defineQuery,
  log,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { RetryState, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  FAILURE_REASONS,
  FailureReason,
  RunType,
  SearchAttr,
  SeerRunStatus,
  isFailureReason,
  seerRouteFor,
  type SeerRunFailure,
  type SeerRunInput,
  type SeerRunResult,
  type SeerRunView,
} from '../src/domain';
import type { Activities } from '../activities';
import type { SeerAttemptDetails, StartSeerRunResult } from '../activities/start-seer-run';
import { explorerIndex, explorerIndexWorkflowId } from './explorer-index';

/**
 * Retries as the spec sets them: 1 s, ×2, at most 60 s apart, unlimited attempts, bounded only by
 * the heal window (schedule-to-close). Every failure reason is non-retryable by name.
 */
function startSeerRunOptions(input: SeerRunInput): ActivityOptions {
  return {
    startToCloseTimeout: input.attempt_timeout_ms + ATTEMPT_TIMEOUT_MARGIN_MS,
    scheduleToCloseTimeout: input.heal_window_ms,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '60s',
      nonRetryableErrorTypes: [...FAILURE_REASONS],
    },
  };
}
/** The Seer client times out first, so an attempt ends as a classified answer, not a Temporal timeout. */
const ATTEMPT_TIMEOUT_MARGIN_MS = 5_000;

export const statusQuery = defineQuery<SeerRunView>('status');

export async function seerRun(input: SeerRunInput): Promise<SeerRunResult> {
  const info = workflowInfo();
  const view: SeerRunView = {
    run_uuid: input.run_uuid,
    type: input.type,
    organization_id: input.organization_id,
    project_id: input.project_id,
    status: SeerRunStatus.PENDING,
    run_id: null,
    failure: null,
    attempts: 0,
    started_at: info.startTime.toISOString(),
    closed_at: null,
  };
  setHandler(statusQuery, () => view);

  const fail = (failure: SeerRunFailure, attempts: number, message: string): never => {
    Object.assign(view, { status: SeerRunStatus.FAILED, failure, attempts });
    upsertSearchAttributes([
      { key: SearchAttr.status, value: SeerRunStatus.FAILED },
      { key: SearchAttr.failureReason, value: failure.reason },
    ]);
    upsertMemo({ attempts, seer_status: failure.seer_status ?? null });
    throw ApplicationFailure.nonRetryable(message, failure.reason, failure);
  };

  if (seerRouteFor(input.type) === null) {
    return fail(
      { reason: FailureReason.unsupported_type },
      0,
      `Seer has no route for ${input.type} runs yet`,
    );
  }

  const { startSeerRun } = proxyActivities<Activities>(startSeerRunOptions(input));
  let result: StartSeerRunResult;
  try {
    result = await startSeerRun(input);
  } catch (err) {
    const { failure, attempts, message } = classifyActivityFailure(err);
    return fail(failure, attempts, message);
  }

  Object.assign(view, {
    status: SeerRunStatus.LIVE,
    run_id: result.run_id,
    attempts: result.attempt,
  });
  upsertSearchAttributes([
    { key: SearchAttr.status, value: SeerRunStatus.LIVE },
    { key: SearchAttr.runId, value: result.run_id },
  ]);
  upsertMemo({ attempts: result.attempt });

  if (input.type === RunType.explorer && input.explorer_index_trigger) {
    await triggerExplorerIndex(input, result);
  }
  return { run_id: result.run_id, started_by: input.started_by };
}

/** Reads the activity's failure down its cause chain into a failure reason and attempt count. */
function classifyActivityFailure(err: unknown): {
  failure: SeerRunFailure;
  attempts: number;
  message: string;
} {
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && isFailureReason(cause.type)) {
    return { ...fromLastAttempt(cause.type, cause), message: cause.message };
  }
  // The heal window ran out: either the next retry would land past it (the server fails the
  // activity with its last failure) or an attempt was still running (a timeout whose cause is the
  // last failure, if any).
  const last =
    cause instanceof TimeoutFailure
      ? cause.cause instanceof ApplicationFailure
        ? cause.cause
        : undefined
      : cause instanceof ApplicationFailure
        ? cause
        : undefined;
  if (cause instanceof TimeoutFailure || err.retryState === RetryState.TIMEOUT) {
    return {
      ...fromLastAttempt(FailureReason.retries_exhausted, last),
      message: `Seer did not create the run within the heal window${last ? `: ${last.message}` : ''}`,
    };
  }
  throw err;
}

function fromLastAttempt(
  reason: FailureReason,
  last: ApplicationFailure | undefined,
): { failure: SeerRunFailure; attempts: number } {
  const details = last?.details?.[0] as SeerAttemptDetails | undefined;
  const failure: SeerRunFailure = { reason };
  if (details?.seer_status != null) failure.seer_status = details.seer_status;
  return { failure, attempts: details?.attempt ?? 0 };
}

/**
 * Best effort: starts the index child and returns once it has started, never waiting for it.
 * "Already started" means another run of this project already triggered it.
 */
async function triggerExplorerIndex(
  input: SeerRunInput,
  result: StartSeerRunResult,
): Promise<void> {
  const args = {
    org_id: input.organization_id,
    project_id: input.project_id,
    has_explorer_index: result.has_explorer_index,
    has_org_project_context: result.has_org_project_context,
  };
  if (args.has_explorer_index !== false && args.has_org_project_context !== false) return;
  try {
    await startChild(explorerIndex, {
      workflowId: explorerIndexWorkflowId(args.org_id, args.project_id),
      args: [args],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      log.info('explorer index already triggered for this project', { run_uuid: input.run_uuid });
      return;
    }
    log.warn('could not start the explorer index trigger', {
      run_uuid: input.run_uuid,
      error: String(err),
    });
  }
}
