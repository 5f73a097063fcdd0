// How the requests sent to Seer for one run are counted, in one place: each request's number (the
// activity), the total at close (the workflow records the last request's number in the
// `SeerRunAttempts` search attribute), and the count so far of a run still open (the API). Pure: no
// SDK or Node imports.
import type { RunMemo } from './seer-run';

/** The activity that sends a run to Seer, by its registered name (activities/index.ts). */
export const START_SEER_RUN_ACTIVITY = 'startSeerRun';

/**
 * How long the local first attempt may take before it hands over to a regular activity: the most a
 * hung Seer can hold a run's workflow task slot (workflows/seer-run.ts), so the most it can delay a
 * healthy run on the same worker (the hung_seer drill checks it).
 */
export const LOCAL_ATTEMPT_LIMIT_MS = 3_000;

/**
 * The activity's second argument: requests earlier activities of the same run already sent (the
 * local first attempt, before retries moved to a regular activity), and when the heal window ends.
 */
export interface AttemptsBefore {
  sent_before: number;
  /**
   * Epoch ms (the workflow's start + SEER_RUN_HEAL_WINDOW). After a transient answer the activity
   * ends the run as retries_exhausted when the next request would go after it: the window is judged
   * between attempts, never during one. Absent in arguments recorded by older workers.
   */
  heal_window_ends_at_ms?: number;
}

/**
 * Activity arguments are recorded in history, so the activity still meets the older forms: a bare
 * number (v2 histories: `startSeerRun(input, 1)`) or nothing (v1 histories, the first attempt).
 */
export type RecordedAttemptsBefore = AttemptsBefore | number | undefined;

/** This request's number for the run: Temporal's attempt of this activity plus earlier requests. */
export function requestNumber(activityAttempt: number, before: RecordedAttemptsBefore): number {
  const sentBefore = typeof before === 'number' ? before : (before?.sent_before ?? 0);
  return activityAttempt + sentBefore;
}

/**
 * The `startSeerRun` attempt Temporal shows for an open run (the gateway reads it from describe()'s
 * pending activities): its attempt number, and whether it is STARTED (its request is in flight) or
 * still SCHEDULED (waiting out its backoff, nothing sent yet).
 */
export interface PendingSeerAttempt {
  attempt: number;
  started: boolean;
}

export interface RunAttemptsSource {
  /** The `SeerRunAttempts` search attribute as read back (absent until the run is LIVE or FAILED). */
  recorded: number | null | undefined;
  /** The run's memo as read back: untrusted values. */
  memo: { [K in keyof RunMemo]?: unknown } | null | undefined;
  closed: boolean;
  /** From describe() (GET, and the list for open runs still counting); absent when none is pending. */
  pending?: PendingSeerAttempt | null;
}

/**
 * Requests sent to Seer for one run:
 * - a run that became LIVE or FAILED by its own hand recorded the total (`SeerRunAttempts`; the
 *   memo's `attempts` in runs recorded before that attribute);
 * - otherwise the requests of earlier activities (memo `local_attempts`, once the local first
 *   attempt failed) plus, while the run is open, the pending `startSeerRun` activity's: its attempt
 *   number when STARTED, one less when SCHEDULED. A run closed from outside (terminated,
 *   cancelled) counts what the memo knows.
 */
export function attemptsSent({ recorded, memo, closed, pending }: RunAttemptsSource): number {
  if (typeof recorded === 'number') return recorded;
  const recordedInMemo = memo?.attempts;
  if (typeof recordedInMemo === 'number') return recordedInMemo;
  const local = typeof memo?.local_attempts === 'number' ? memo.local_attempts : 0;
  if (closed || !pending) return local;
  return local + (pending.started ? pending.attempt : pending.attempt - 1);
}
