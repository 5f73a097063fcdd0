// Workflow `seerRun`: one per run UUID. Sends the run to Seer through the `startSeerRun` activity
// (a short local first attempt, then retries inside the heal window), records LIVE or FAILED
// (run-record.ts), and starts the explorer follow-up when Seer says an index is missing.
// This is v4, the first version that shipped: any change to the commands it issues goes behind
// patched() (README "Workflow versions"; v4 histories in test/fixtures/histories must replay).
import type { RetryPolicy } from '@temporalio/common';
import {
  ApplicationFailure,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
// The domain's zod-free modules only: zod would add megabytes to the bundle every worker loads.
import { LOCAL_ATTEMPT_LIMIT_MS } from '../src/domain/attempts';
import { backoffMs, MAX_RETRY_DELAY_MS, SEER_RETRY } from '../src/domain/retry-delay';
import { FollowUp, runTypeSpec, type RunType } from '../src/domain/run-types';
import { FAILURE_REASONS, FailureReason, type SeerRunResult } from '../src/domain/seer-run';
import type { SeerRunInput } from '../src/domain/seer-run-input';
import type { Activities } from '../activities';
import type { StartSeerRunResult } from '../activities/start-seer-run';
import { nextStepAfter, RETHROW } from './activity-failure';
import { startExplorerIndex } from './explorer-index';
import { RunRecord, type RunFailure } from './run-record';

export { statusQuery } from './run-record';

/**
 * Seer's retry policy (the spec): 1 s, ×2, at most 60 s apart, unlimited attempts inside the heal
 * window. The activity sets every delay itself (nextRetryDelay, src/domain/retry-delay.ts) and ends
 * the run at the window's end; every failure reason is non-retryable by name.
 */
const SEER_RETRY_POLICY = {
  initialInterval: SEER_RETRY.initialIntervalMs,
  backoffCoefficient: SEER_RETRY.backoffCoefficient,
  maximumInterval: SEER_RETRY.maximumIntervalMs,
  nonRetryableErrorTypes: [...FAILURE_REASONS],
} satisfies RetryPolicy;

/** v5: a reset (re-driven) run's heal window runs from the reset, not from the first start. */
const REDRIVE_FRESH_HEAL_WINDOW = 'redrive-fresh-heal-window';
/** Started, task scheduled, task started: a run's history at its first activation, unless that task failed. */
const FIRST_TASK_HISTORY_LENGTH = 3;

/** The Seer client times out first, so an attempt ends as a classified answer, not a Temporal timeout. */
const ATTEMPT_TIMEOUT_MARGIN_MS = 5_000;

type Attempts =
  { kind: 'live'; result: StartSeerRunResult } | { kind: 'failed'; failure: RunFailure };

export async function seerRun(input: SeerRunInput): Promise<SeerRunResult> {
  const record = new RunRecord(input);
  const runType = runTypeSpec(input.type);
  if (runType.seerRoute === null) return failRun(input, record, unsupportedType(input.type));

  const attempts = await attemptsInHealWindow(input, record);
  if (attempts.kind === 'failed') return failRun(input, record, attempts.failure);
  record.markLive(attempts.result);

  if (runType.followUp === FollowUp.explorerIndex && input.explorer_index_trigger) {
    await startExplorerIndex(input, attempts.result);
  }
  return { run_id: attempts.result.run_id, started_by: input.started_by };
}

/**
 * A short local attempt (a healthy run costs one workflow task), then regular activities until
 * Seer creates the run or the next request would go after the heal window's end. The window is
 * judged only between attempts (by the activity after an answer, by nextStepAfter here), so an
 * attempt that started inside it always finishes, and makes the run LIVE if Seer created it.
 */
async function attemptsInHealWindow(input: SeerRunInput, record: RunRecord): Promise<Attempts> {
  const window_ends_at_ms = healWindowStart().getTime() + input.heal_window_ms;
  let sentBefore = 0;
  // Only the loop's first attempt is local: one that sent nothing (no token from the worker's Seer
  // budget) hands over to a regular activity with sentBefore still 0. Every recorded history
  // took the local path exactly when sentBefore was 0, so the two tests agree on them.
  let local = true;
  for (;;) {
    const before = { sent_before: sentBefore, heal_window_ends_at_ms: window_ends_at_ms };
    try {
      const result = local
        ? await proxyLocalActivities<Activities>(localAttemptOptions(input)).startSeerRun(
            input,
            before,
          )
        : await retriesUntil(input, window_ends_at_ms, sentBefore).startSeerRun(input, before);
      return { kind: 'live', result };
    } catch (err) {
      const next = nextStepAfter(err, {
        local,
        now_ms: workflowNow(),
        window_ends_at_ms,
        sent_before: sentBefore,
        run_uuid: input.run_uuid,
      });
      if (next === RETHROW) throw err;
      if (next.kind === 'fail') return { kind: 'failed', failure: next.failure };
      // The memo already says what an attempt that sent nothing leaves unchanged.
      if (!next.nothing_sent || next.sent_before !== sentBefore) {
        record.markSentBefore(next.sent_before);
      }
      if (next.delay_ms > 0) await sleep(next.delay_ms);
      sentBefore = next.sent_before;
      local = false;
    }
  }
}

/**
 * The run's start, or the re-drive's (src/redrive): a reset keeps the first run's
 * WorkflowExecutionStarted event, so `startTime` stays the first start and the window would already
 * be over; the reset run's own first workflow task (`runStartTime`) opens a fresh one. A reset run's
 * first activation comes after a failed task (WorkflowTaskFailed RESET_WORKFLOW), so its history is
 * longer than started/scheduled/started; only such a run asks patched(): others keep v4's commands.
 * The history decides, not the runId: the SDK's replayer runs a reset history under its original
 * runId. A run whose first task was lost (a worker died in it) also gets its window from the task
 * that ran: later by that task's timeout, never shorter.
 */
function healWindowStart(): Date {
  const info = workflowInfo();
  const firstTaskFailed = info.historyLength > FIRST_TASK_HISTORY_LENGTH;
  return firstTaskFailed && patched(REDRIVE_FRESH_HEAL_WINDOW) ? info.runStartTime : info.startTime;
}

/**
 * The first attempt gets one short try (LOCAL_ATTEMPT_LIMIT_MS): a local activity holds its run's
 * workflow task slot while it waits on Seer, so a hung Seer could stall every run on the worker.
 * Then a regular activity (no slot held) retries with the full SEER_REQUEST_TIMEOUT_MS; the cut
 * request still counts (Seer may have it, and the retry reuses the same idempotency key).
 */
function localAttemptOptions(input: SeerRunInput): LocalActivityOptions {
  return {
    startToCloseTimeout: Math.min(
      input.attempt_timeout_ms + ATTEMPT_TIMEOUT_MARGIN_MS,
      LOCAL_ATTEMPT_LIMIT_MS,
    ),
    retry: { maximumAttempts: 1, nonRetryableErrorTypes: SEER_RETRY_POLICY.nonRetryableErrorTypes },
  };
}

/**
 * Retries after `sentBefore` requests, each delay set by the activity. The schedule-to-close is a
 * backstop well past the window (an attempt that started at its end, the longest delay, one more
 * attempt): the activity ends the run at the window, and the server never cuts an attempt short.
 */
function retriesUntil(input: SeerRunInput, windowEndsAtMs: number, sentBefore: number) {
  const attemptLimit = input.attempt_timeout_ms + ATTEMPT_TIMEOUT_MARGIN_MS;
  const options: ActivityOptions = {
    startToCloseTimeout: attemptLimit,
    scheduleToCloseTimeout:
      Math.max(0, windowEndsAtMs - workflowNow()) + 2 * attemptLimit + MAX_RETRY_DELAY_MS,
    // The policy's delay after this activity's first request (number sentBefore + 1), capped at
    // the maximum interval: the SDK refuses an initialInterval above it, failing every task.
    retry: { ...SEER_RETRY_POLICY, initialInterval: backoffMs(sentBefore + 1) },
  };
  return proxyActivities<Activities>(options);
}

/**
 * The workflow task's time. Inside the sandbox Date is the SDK's replay-safe clock (the time the
 * task started, the same on every replay); lint bans Date.now elsewhere so no other code leans on it.
 */
function workflowNow(): number {
  // eslint-disable-next-line no-restricted-properties
  return Date.now();
}

function unsupportedType(type: RunType): RunFailure {
  return {
    reason: FailureReason.unsupported_type,
    seer_status: null,
    attempts: 0,
    message: `Seer has no route for ${type} runs yet`,
    logged_by_activity: false,
  };
}

/**
 * Records FAILED and fails the workflow with the reason as its type (what GET reads back). Every
 * terminal outcome is logged once: by the activity with Seer's answer, else here (the workflow
 * logger skips replays).
 */
function failRun(input: SeerRunInput, record: RunRecord, failure: RunFailure): never {
  if (!failure.logged_by_activity) {
    log.error(failure.message, {
      run_uuid: input.run_uuid,
      type: input.type,
      organization_id: input.organization_id,
      project_id: input.project_id,
      status: 'FAILED',
      reason: failure.reason,
      seer_status: failure.seer_status,
      attempts: failure.attempts,
    });
  }
  const details = record.markFailed(failure);
  throw ApplicationFailure.nonRetryable(failure.message, failure.reason, details);
}
