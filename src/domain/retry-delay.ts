// When the next request to Seer for a run may go: Seer's Retry-After, floored and capped, else the
// retry policy's backoff for that request, each with the run's deterministic jitter (jitter.ts).
// Pure and zod-free: the activity decides with it, and the workflow's retry policy is built from
// the same constants.
import { JITTER_FRACTION, jitterUnit } from './jitter';

/** The spec's policy: 1 s, ×2, at most 60 s apart (seer-runs.md §4). */
export const SEER_RETRY = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 60_000,
} as const;

/**
 * Retry-After below this counts as this: a 0 or a date in the past would otherwise retry Seer in a
 * tight loop, and Temporal reads a zero nextRetryDelay as "no time left" (RETRY_STATE_TIMEOUT).
 */
export const MIN_RETRY_DELAY_MS = 1_000;

/** Retry-After is honoured up to the policy's maximum interval (the server caps nothing). */
export const MAX_RETRY_DELAY_MS = SEER_RETRY.maximumIntervalMs;

/** Seer's Retry-After as a delay we use: at least 1 s, at most 60 s; undefined when Seer gave none. */
export function boundedRetryAfterMs(retryAfterMs: number | undefined): number | undefined {
  if (retryAfterMs === undefined) return undefined;
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(MIN_RETRY_DELAY_MS, retryAfterMs));
}

/**
 * The wait after the run's `requestNumber`-th request failed, jittered by (run, request number) so
 * that runs failing together spread out:
 * - Seer's Retry-After r (bounded to 1–60 s) is a minimum: r × (1 + 0.2u), at most 60 s;
 * - else the policy's backoff d (1 s after the first request, 2 s after the second, ... at most
 *   60 s) shortened: d × (1 − 0.2u), never above the cap.
 */
export function retryDelayMs(
  runUuid: string,
  requestNumber: number,
  retryAfterMs: number | undefined,
): number {
  const u = jitterUnit(runUuid, requestNumber);
  const bounded = boundedRetryAfterMs(retryAfterMs);
  if (bounded !== undefined) {
    return Math.min(MAX_RETRY_DELAY_MS, Math.ceil(bounded * (1 + JITTER_FRACTION * u)));
  }
  return Math.round(backoffMs(requestNumber) * (1 - JITTER_FRACTION * u));
}

/** The policy's delay after the `requestNumber`-th request, without jitter. */
export function backoffMs(requestNumber: number): number {
  const exponent = Math.max(0, requestNumber - 1);
  return Math.min(
    SEER_RETRY.maximumIntervalMs,
    SEER_RETRY.initialIntervalMs * SEER_RETRY.backoffCoefficient ** exponent,
  );
}
