// The run's record as the outside reads it: the `status` query's view, the search attributes and
// the memo. This module is their one writer; the workflow moves the record through named
// transitions. Each transition issues as few commands as GET needs (each one is a history event
// and a billable action), in the order the v4 histories (test/fixtures/histories) recorded:
// changing them breaks replay.
import {
  defineQuery,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SearchAttr } from '../src/domain/search-attributes';
import {
  SeerRunStatus,
  type FailureReason,
  type RunMemo,
  type SeerRunFailure,
  type SeerRunView,
} from '../src/domain/seer-run';
import type { SeerRunInput } from '../src/domain/seer-run-input';

export const statusQuery = defineQuery<SeerRunView>('status');

/** Why a run failed, as the workflow records it and reports it in its own failure. */
export interface RunFailure {
  reason: FailureReason;
  /** Seer's HTTP status on the answer that ended the run; null when there was none. */
  seer_status: number | null;
  /** Requests sent to Seer for the run. */
  attempts: number;
  message: string;
  /**
   * The activity logged this end with Seer's answer (a terminal answer, an invalid payload, the
   * window judged after an answer); otherwise the workflow decided it and logs it itself.
   */
  logged_by_activity: boolean;
}

export class RunRecord {
  private readonly view: SeerRunView;

  /** PENDING from the start (src/temporal/runs.ts sets the search attributes); answers `status`. */
  constructor(input: SeerRunInput) {
    this.view = {
      run_uuid: input.run_uuid,
      type: input.type,
      organization_id: input.organization_id,
      project_id: input.project_id,
      status: SeerRunStatus.PENDING,
      run_id: null,
      failure: null,
      attempts: 0,
      started_at: workflowInfo().startTime.toISOString(),
      closed_at: null,
    };
    setHandler(statusQuery, () => this.view);
  }

  /**
   * Earlier activities sent `sent` requests and retries move to a new regular activity (after the
   * local first attempt: 1): while the run is open, GET and the list count these plus the pending
   * activity's (src/domain/attempts.ts).
   */
  markSentBefore(sent: number): void {
    upsertMemo({ local_attempts: sent } satisfies Partial<RunMemo>);
  }

  /** One command: GET reads status, run_id and attempts from the search attributes. */
  markLive(result: { run_id: number; attempt: number }): void {
    Object.assign(this.view, {
      status: SeerRunStatus.LIVE,
      run_id: result.run_id,
      attempts: result.attempt,
    });
    upsertSearchAttributes([
      { key: SearchAttr.status, value: SeerRunStatus.LIVE },
      { key: SearchAttr.runId, value: result.run_id },
      { key: SearchAttr.attempts, value: result.attempt },
    ]);
  }

  /**
   * Records FAILED; returns the failure as GET and the workflow's own failure details show it. Seer's
   * status goes to the memo, and only when there is one: no search attribute holds it (the Int
   * slots are taken), and GET reads it back without a worker.
   */
  markFailed({ reason, seer_status, attempts }: RunFailure): SeerRunFailure {
    const failure: SeerRunFailure = seer_status === null ? { reason } : { reason, seer_status };
    Object.assign(this.view, { status: SeerRunStatus.FAILED, failure, attempts });
    upsertSearchAttributes([
      { key: SearchAttr.status, value: SeerRunStatus.FAILED },
      { key: SearchAttr.failureReason, value: reason },
      { key: SearchAttr.attempts, value: attempts },
    ]);
    if (seer_status !== null) upsertMemo({ seer_status } satisfies Partial<RunMemo>);
    return failure;
  }
}
