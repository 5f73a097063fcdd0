// Which runs a re-drive may touch, as pure functions: the visibility query that selects them, and
// the check of each candidate (the query is free text: a candidate is checked again on its own).
import { FailureReason, SearchAttr, SeerRunStatus } from '../domain';
import { SEER_RUN_WORKFLOW } from '../temporal/runs';
import { ExtraClose } from './args';

/** Visibility's ExecutionStatus names for the closes a re-drive can meet. */
export const Close = {
  Running: 'Running',
  Completed: 'Completed',
  Failed: 'Failed',
  Terminated: 'Terminated',
  TimedOut: 'TimedOut',
  Canceled: 'Canceled',
  ContinuedAsNew: 'ContinuedAsNew',
  Unknown: 'Unknown',
} as const;
export type Close = (typeof Close)[keyof typeof Close];

/** What a candidate looks like in visibility or in a describe. */
export interface Candidate {
  runUuid: string;
  runId: string;
  workflowType: string;
  close: Close;
  status: string | null;
  failureReason: string | null;
  seerRunId: number | null;
  organizationId: number | null;
  type: string | null;
}

const EXTRA_CLOSE: Record<ExtraClose, Close> = {
  [ExtraClose.terminated]: Close.Terminated,
  [ExtraClose.timed_out]: Close.TimedOut,
};

/**
 * The operator's query, ANDed with our workflow type and the re-drivable closes: FAILED
 * retries_exhausted, and with `--include` a run Temporal closed before it was LIVE or FAILED.
 */
export function selectionQuery(userQuery: string, include: readonly ExtraClose[]): string {
  const closes = [
    `(ExecutionStatus = '${Close.Failed}' AND ${SearchAttr.failureReason.name} = '${FailureReason.retries_exhausted}')`,
    ...include.map(
      (extra) =>
        `(ExecutionStatus = '${EXTRA_CLOSE[extra]}' AND ${SearchAttr.status.name} = '${SeerRunStatus.PENDING}')`,
    ),
  ];
  return `WorkflowType = '${SEER_RUN_WORKFLOW}' AND (${closes.join(' OR ')}) AND (${userQuery})`;
}

/** `label` groups refusals in the summary; `why` is the whole line. */
export type Verdict = { kind: 'eligible' } | { kind: 'refused'; label: string; why: string };

/** Whether this run may be re-driven; else the line that says why. */
export function verdictOf(run: Candidate, include: readonly ExtraClose[]): Verdict {
  if (run.workflowType !== SEER_RUN_WORKFLOW) {
    return refused(`not a Seer run (workflow type ${run.workflowType}); never touched`);
  }
  if (run.status === SeerRunStatus.LIVE) {
    return refused(`LIVE (Seer run ${run.seerRunId ?? '?'}): nothing to re-drive`);
  }
  switch (run.close) {
    case Close.Running:
      return refused('PENDING: still running, within its heal window; it needs no re-drive');
    case Close.Failed:
      return run.failureReason === FailureReason.retries_exhausted
        ? { kind: 'eligible' }
        : refused(
            `FAILED ${run.failureReason ?? 'without a reason'}: Seer's own answer, it would fail again`,
          );
    case Close.Terminated:
      return include.includes(ExtraClose.terminated)
        ? { kind: 'eligible' }
        : refused('terminated: re-driven only with --include terminated');
    case Close.TimedOut:
      return include.includes(ExtraClose.timed_out)
        ? { kind: 'eligible' }
        : refused('timed out: re-driven only with --include timed_out');
    case Close.Canceled:
    case Close.Completed:
    case Close.ContinuedAsNew:
    case Close.Unknown:
      return refused(`closed as ${run.close}: not re-drivable`);
    default: {
      const unknown: never = run.close;
      return refused(`closed as ${String(unknown)}: not re-drivable`);
    }
  }
}

function refused(why: string): Verdict {
  return { kind: 'refused', label: /^[^:(]*/.exec(why)![0].trim(), why };
}
