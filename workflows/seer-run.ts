// Workflow `seerRun`: one per run UUID. Sends the run to Seer through the `startSeerRun` activity
// (a local first attempt, then retries inside the heal window), records LIVE or FAILED
// (run-record.ts), and starts the explorer follow-up when Seer says an index is missing.
import type { RetryPolicy } from '@temporalio/common';
import {
  ApplicationFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
// The domain's zod-free modules only: zod would add megabytes to the bundle every worker loads.
import { FollowUp, runTypeSpec, type RunType } from '../src/domain/run-types';
import { FAILURE_REASONS, FailureReason, type SeerRunResult } from '../src/domain/seer-run';
import type { SeerRunInput } from '../src/domain/seer-run-input';
import type { Activities } from '../activities';
import type { StartSeerRunResult } from '../activities/start-seer-run';
import { RETHROW, retryAfterFirstAttempt, runFailureOf } from './activity-failure';
import { startExplorerIndex } from './explorer-index';
import { RunRecord, type RunFailure } from './run-record';

export { statusQuery } from './run-record';

/**
 * Seer's retry policy (the spec): 1 s, ×2, at most 60 s apart, unlimited attempts, bounded only by
 * the heal window (schedule-to-close, see retries()). Every failure reason is non-retryable by name.
 */
const SEER_RETRY_POLICY = {
  initialInterval: 1_000,
  backoffCoefficient: 2,
  maximumInterval: '60s',
  nonRetryableErrorTypes: [...FAILURE_REASONS],
} satisfies RetryPolicy;

/** The Seer client times out first, so an attempt ends as a classified answer, not a Temporal timeout. */
const ATTEMPT_TIMEOUT_MARGIN_MS = 5_000;

/** Marks histories made since the first attempt became a local activity (older ones replay as before). */
const LOCAL_FIRST_ATTEMPT = 'local-first-attempt';

export async function seerRun(input: SeerRunInput): Promise<SeerRunResult> {
  const record = new RunRecord(input);
  const runType = runTypeSpec(input.type);
  if (runType.seerRoute === null) return failRun(record, unsupportedType(input.type));

  let result: StartSeerRunResult;
  try {
    // Histories from before the local first attempt ran every attempt in one regular activity.
    result = patched(LOCAL_FIRST_ATTEMPT)
      ? await firstAttemptThenRetries(input, record)
      : await retries(input, SEER_RETRY_POLICY.initialInterval).startSeerRun(input);
  } catch (err) {
    const failure = runFailureOf(err);
    if (failure === RETHROW) throw err;
    return failRun(record, failure);
  }
  record.markLive(result);

  if (runType.followUp === FollowUp.explorerIndex && input.explorer_index_trigger) {
    await startExplorerIndex(input, result);
  }
  return { run_id: result.run_id, started_by: input.started_by };
}

/**
 * One local attempt (no activity task round trip: a healthy run costs one workflow task). On any
 * failure but a terminal one, wait (Seer's Retry-After, capped, or the policy's first interval) and
 * hand over to a regular activity, which continues the sequence at 2 s inside the heal window.
 */
async function firstAttemptThenRetries(
  input: SeerRunInput,
  record: RunRecord,
): Promise<StartSeerRunResult> {
  try {
    return await proxyLocalActivities<Activities>(firstAttemptOptions(input)).startSeerRun(input);
  } catch (err) {
    const handover = retryAfterFirstAttempt(err);
    if (handover === RETHROW) throw err;
    record.markFirstAttemptFailed();
    await sleep(handover.retry_after_ms ?? SEER_RETRY_POLICY.initialInterval);
  }
  return retries(input, 2 * SEER_RETRY_POLICY.initialInterval).startSeerRun(input, {
    sent_before: 1,
  });
}

/** The first attempt gets exactly one try; retries go to a regular activity. */
function firstAttemptOptions(input: SeerRunInput): LocalActivityOptions {
  return {
    startToCloseTimeout: input.attempt_timeout_ms + ATTEMPT_TIMEOUT_MARGIN_MS,
    retry: { maximumAttempts: 1, nonRetryableErrorTypes: SEER_RETRY_POLICY.nonRetryableErrorTypes },
  };
}

/** The `startSeerRun` activity retried by SEER_RETRY_POLICY, from `initialInterval`, in the heal window. */
function retries(input: SeerRunInput, initialInterval: number) {
  const options: ActivityOptions = {
    startToCloseTimeout: input.attempt_timeout_ms + ATTEMPT_TIMEOUT_MARGIN_MS,
    scheduleToCloseTimeout: input.heal_window_ms,
    retry: { ...SEER_RETRY_POLICY, initialInterval },
  };
  return proxyActivities<Activities>(options);
}

function unsupportedType(type: RunType): RunFailure {
  return {
    reason: FailureReason.unsupported_type,
    seer_status: null,
    attempts: 0,
    message: `Seer has no route for ${type} runs yet`,
  };
}

/** Records FAILED and fails the workflow with the reason as its type (what GET reads back). */
function failRun(record: RunRecord, failure: RunFailure): never {
  const details = record.markFailed(failure);
  throw ApplicationFailure.nonRetryable(failure.message, failure.reason, details);
}
