// A Seer outcome that did not create the run, read once for whoever asked: the failure it means,
// the message, and the fields its log line carries. Used by the activity (activities/start-seer-run.ts)
// and by the API's direct path, so both report the same answer the same way.
import { boundedRetryAfterMs, type FailureReason, type SeerRunFailure } from '../domain';
import type { SeerOutcome } from './outcome';

export type FailedSeerOutcome = Exclude<SeerOutcome, { kind: 'live' }>;

export type SeerOutcomeFailure =
  | {
      kind: 'terminal';
      /** What the run fails with; seer_status only when Seer answered. */
      failure: SeerRunFailure;
      /** Seer's HTTP status, null when the failure came without one. */
      seerStatus: number | null;
      message: string;
      /** What Seer said, for the log line (undefined fields are left out of it). */
      logFields: {
        reason: FailureReason;
        seer_status: number | undefined;
        seer_body: string | undefined;
      };
    }
  | {
      kind: 'transient';
      seerStatus: number | null;
      /** Seer's Retry-After as it came, uncapped (the direct path hands it to the client). */
      retryAfterMs: number | undefined;
      /** Retry-After bounded to 1–60 s (src/domain/retry-delay.ts): when the next attempt may go. */
      nextRetryDelayMs: number | undefined;
      message: string;
      logFields: { seer_status: number | undefined; cause: string };
    };

export function outcomeFailure(outcome: FailedSeerOutcome): SeerOutcomeFailure {
  const seerStatus = outcome.seerStatus ?? null;
  if (outcome.kind === 'terminal') {
    return {
      kind: 'terminal',
      failure:
        outcome.seerStatus === undefined
          ? { reason: outcome.reason }
          : { reason: outcome.reason, seer_status: outcome.seerStatus },
      seerStatus,
      message: `Seer answered ${outcome.seerStatus ?? ''}: ${outcome.reason}`.replace('  ', ' '),
      logFields: {
        reason: outcome.reason,
        seer_status: outcome.seerStatus,
        seer_body: outcome.bodySnippet,
      },
    };
  }
  return {
    kind: 'transient',
    seerStatus,
    retryAfterMs: outcome.retryAfterMs,
    nextRetryDelayMs: boundedRetryAfterMs(outcome.retryAfterMs),
    message: `Seer unavailable (${outcome.seerStatus ?? outcome.cause})`,
    logFields: { seer_status: outcome.seerStatus, cause: outcome.cause },
  };
}
