// Workflow `seerRun`: one per run UUID. Sends the run to Seer through the `startSeerRun` activity,
// keeps the run's status in search attributes, and records why a run failed.
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  TemporalFailure,
  TimeoutFailure,
  defineQuery,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import { RetryState, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
// The domain's zod-free modules only: zod would add megabytes to the bundle every worker loads.
import { RunType, seerRouteFor } from '../src/domain/run-types';
import { SearchAttr } from '../src/domain/search-attributes';
import {
  FAILURE_REASONS,
  FailureReason,
  SeerRunStatus,
  TRANSIENT_FAILURE_TYPE,
  isFailureReason,
  type SeerAttemptDetails,
  type SeerRunFailure,
  type SeerRunResult,
  type SeerRunView,
} from '../src/domain/seer-run';
import type { SeerRunInput } from '../src/domain/seer-run-input';
import type { Activities } from '../activities';
import type { StartSeerRunResult } from '../activities/start-seer-run';
import { explorerIndex, explorerIndexWorkflowId } from './explorer-index';

const SEER_RETRY = {
  backoffCoefficient: 2,
  maximumInterval: '60s',
  nonRetryableErrorTypes: [...FAILURE_REASONS],
};
/** The Seer client times out first, so an attempt ends as a classified answer, not a Temporal timeout. */
const ATTEMPT_TIMEOUT_MARGIN_MS = 5_000;
/** The retry policy's first interval: the wait after the first failed attempt. */
const FIRST_RETRY_DELAY_MS = 1_000;

/**
 * The first attempt runs as a local activity: no activity task round trip through the server, so a
 * healthy run costs one workflow task. It gets exactly one try; retries go to a regular activity.
 */
function firstAttemptOptions(input: SeerRunInput): LocalActivityOptions {
  return {
    startToCloseTimeout: input.attempt_timeout_ms + ATTEMPT_TIMEOUT_MARGIN_MS,
    retry: { maximumAttempts: 1, nonRetryableErrorTypes: SEER_RETRY.nonRetryableErrorTypes },
  };
}

/**
 * Retries as the spec sets them: 1 s, ×2, at most 60 s apart, unlimited attempts, bounded only by
 * the heal window (schedule-to-close). Every failure reason is non-retryable by name. After a
 * local first attempt the sequence continues at 2 s (the workflow already waited the first 1 s).
 */
function retryOptions(input: SeerRunInput, initialInterval: number): ActivityOptions {
  return {
    startToCloseTimeout: input.attempt_timeout_ms + ATTEMPT_TIMEOUT_MARGIN_MS,
    scheduleToCloseTimeout: input.heal_window_ms,
    retry: { ...SEER_RETRY, initialInterval },
  };
}

/** Marks histories made since the first attempt became a local activity (older ones replay as before). */
const LOCAL_FIRST_ATTEMPT = 'local-first-attempt';

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

  let result: StartSeerRunResult;
  try {
    result = patched(LOCAL_FIRST_ATTEMPT)
      ? await localFirstAttempt(input)
      : await proxyActivities<Activities>(retryOptions(input, FIRST_RETRY_DELAY_MS)).startSeerRun(
          input,
        );
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

/**
 * One local attempt; on a transient failure, wait (Seer's Retry-After, capped, or the first retry
 * interval) and hand over to a regular activity, which retries inside the heal window.
 */
async function localFirstAttempt(input: SeerRunInput): Promise<StartSeerRunResult> {
  try {
    return await proxyLocalActivities<Activities>(firstAttemptOptions(input)).startSeerRun(input);
  } catch (err) {
    // Terminal answers end the run; anything else (a transient answer, the attempt's own timeout,
    // an unexpected error in the activity) is what the regular activity's retries are for.
    const cause = activityFailureOf(err);
    if (cause === undefined) throw err;
    if (cause instanceof ApplicationFailure && isFailureReason(cause.type)) throw err;
    const details =
      cause instanceof ApplicationFailure && cause.type === TRANSIENT_FAILURE_TYPE
        ? (cause.details?.[0] as SeerAttemptDetails | undefined)
        : undefined;
    // GET counts requests of an open run as this plus the regular activity's attempts.
    upsertMemo({ local_attempts: 1 });
    await sleep(details?.next_retry_delay_ms ?? FIRST_RETRY_DELAY_MS);
  }
  const retries = proxyActivities<Activities>(retryOptions(input, 2 * FIRST_RETRY_DELAY_MS));
  return retries.startSeerRun(input, 1);
}

/**
 * What the activity itself failed with: a regular activity's failure arrives wrapped in an
 * ActivityFailure, a local activity's as is. Undefined for an error that is neither.
 */
function activityFailureOf(err: unknown): TemporalFailure | undefined {
  if (err instanceof ActivityFailure) return err.cause instanceof TemporalFailure ? err.cause : err;
  return err instanceof TemporalFailure ? err : undefined;
}

/** Reads the activity's failure down its cause chain into a failure reason and attempt count. */
function classifyActivityFailure(err: unknown): {
  failure: SeerRunFailure;
  attempts: number;
  message: string;
} {
  const cause = activityFailureOf(err);
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
  const healWindowOver = err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT;
  if (cause instanceof TimeoutFailure || healWindowOver) {
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
