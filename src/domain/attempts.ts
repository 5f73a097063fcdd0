// How the requests sent to Seer for one run are counted, in one place: each request's number (the
// activity), the total at close (the workflow records the last request's number in the memo), and
// the count so far of a run still open (the API). Pure: no SDK or Node imports.
import type { RunMemo } from './seer-run';

/** The activity that sends a run to Seer, by its registered name (activities/index.ts). */
export const START_SEER_RUN_ACTIVITY = 'startSeerRun';

/**
 * The activity's second argument: requests earlier activities of the same run already sent (the
 * local first attempt, before retries moved to a regular activity).
 */
export interface AttemptsBefore {
  sent_before: number;
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

/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED (wire value). */
const PENDING_ACTIVITY_STATE_STARTED = 2;

/**
 * A pending activity as describe() lists it (`raw.pendingActivities`), typed by shape so the domain
 * needs no client import.
 */
export interface PendingActivityLike {
  activityType?: { name?: string | null } | null;
  attempt?: number | null;
  state?: number | null;
}

export interface RunAttemptsSource {
  /** The run's memo as read back: untrusted values. */
  memo: { [K in keyof RunMemo]?: unknown } | null | undefined;
  closed: boolean;
  /** describe()'s pending activities; absent for a list item, which has only the memo. */
  pendingActivities?: ReadonlyArray<PendingActivityLike> | null;
}

/**
 * Requests sent to Seer for one run:
 * - a run that became LIVE or FAILED by its own hand recorded the total (memo `attempts`);
 * - otherwise the local first attempt's request (memo `local_attempts`, once it failed) plus, while
 *   the run is open, the pending `startSeerRun` activity's: its attempt number when STARTED (that
 *   request is in flight), one less when SCHEDULED (waiting out its backoff, nothing sent yet).
 *   A run closed from outside (terminated, cancelled) counts what the memo knows.
 */
export function attemptsSent({ memo, closed, pendingActivities }: RunAttemptsSource): number {
  const recorded = memo?.attempts;
  if (typeof recorded === 'number') return recorded;
  const local = typeof memo?.local_attempts === 'number' ? memo.local_attempts : 0;
  return local + (closed ? 0 : (sentByPendingAttempt(pendingActivities) ?? 0));
}

/** Requests sent by the `startSeerRun` attempt in progress; null when there is none. */
export function sentByPendingAttempt(
  pending: ReadonlyArray<PendingActivityLike> | null | undefined,
): number | null {
  const activity = pending?.find((p) => p.activityType?.name === START_SEER_RUN_ACTIVITY);
  if (!activity?.attempt) return null;
  return Number(activity.state) === PENDING_ACTIVITY_STATE_STARTED
    ? activity.attempt
    : activity.attempt - 1;
}
