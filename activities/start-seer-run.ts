// Activity `startSeerRun` (START_SEER_RUN_ACTIVITY): validates the run's input, asks Seer to create
// the run, and turns the client's typed outcome into a result or a Temporal failure (the decision
// table's last step; src/seer/outcome-failure.ts reads the outcome). After a transient answer it
// picks the next delay and judges the heal window, between attempts only. Its second argument
// (what earlier activities sent, the window's end) is recorded in history: it accepts every form.
// With a Seer cap (SEER_MAX_REQUESTS_PER_SECOND) each request takes a token from the worker's
// budget first; none in time ends the attempt as `seer_request_not_sent`, having sent nothing.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import {
  assertNever,
  FailureReason,
  REQUEST_NOT_SENT_FAILURE_TYPE,
  requestNumber,
  requestSchemaFor,
  retryDelayMs,
  TRANSIENT_FAILURE_TYPE,
  type RecordedAttemptsBefore,
  type RunType,
  type SeerAttemptDetails,
  type SeerRunInput,
  type ViewerContext,
} from '../src/domain';
import type { SeerOutcome } from '../src/seer/outcome';
import { outcomeFailure } from '../src/seer/outcome-failure';
import { tokenWaitMs, type SeerBudget } from './seer-budget';

export interface StartSeerRunResult {
  run_id: number;
  has_explorer_index: boolean | null;
  has_org_project_context: boolean | null;
  attempt: number;
}

export interface SeerRunStarter {
  startRun(args: {
    type: RunType;
    runUuid: string;
    request: Record<string, unknown>;
    viewerContext: ViewerContext | null;
    signal?: AbortSignal;
  }): Promise<SeerOutcome>;
}

export function createStartSeerRun(deps: {
  seer: SeerRunStarter;
  logger: Logger;
  /** Absent: no cap, no wait. */
  seerBudget?: SeerBudget | undefined;
}) {
  return async function startSeerRun(
    input: SeerRunInput,
    before?: RecordedAttemptsBefore,
  ): Promise<StartSeerRunResult> {
    const attempt = requestNumber(Context.current().info.attempt, before);
    const windowEnd = typeof before === 'object' ? before.heal_window_ends_at_ms : undefined;
    const log = deps.logger.child({
      run_uuid: input.run_uuid,
      type: input.type,
      organization_id: input.organization_id,
      project_id: input.project_id,
      attempt,
    });
    // No check of the window before sending: a retry the server scheduled on its own past the
    // window follows an attempt that ended without an answer (its worker died mid-request), and
    // Seer may have made that run. This request, under the same key, finds out; the window is
    // judged after its answer, below (spec §4: FAILED only with no attempt in flight).
    const request = requestSchemaFor(input.type).safeParse(input.request);
    if (!request.success) {
      log.error(
        { status: 'FAILED', reason: FailureReason.invalid_payload },
        'run input fails its schema',
      );
      // Nothing went to Seer: the run's count is what earlier attempts sent (none: the input is
      // checked before the first request, and it never changes).
      throw ApplicationFailure.nonRetryable(
        `the run's request fails the ${input.type} schema: ${request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        FailureReason.invalid_payload,
        { attempt: attempt - 1, seer_status: null } satisfies SeerAttemptDetails,
      );
    }
    if (deps.seerBudget !== undefined) {
      const info = Context.current().info;
      const granted = await deps.seerBudget.gate.acquire(
        tokenWaitMs(info, deps.seerBudget.requestTimeoutMs),
        Context.current().cancellationSignal,
      );
      if (!granted) {
        log.debug({ status: 'PENDING', local: info.isLocal }, 'no Seer request token in time');
        // Non-retryable: the workflow sends again at once through a regular activity, whose wait in
        // matching (the task queue's rate limit) replaces a wait here that would hold a slot.
        throw ApplicationFailure.create({
          message: `no Seer request token in time (SEER_MAX_REQUESTS_PER_SECOND); nothing sent`,
          type: REQUEST_NOT_SENT_FAILURE_TYPE,
          nonRetryable: true,
          details: [{ attempt: attempt - 1, seer_status: null } satisfies SeerAttemptDetails],
        });
      }
    }
    const outcome = await deps.seer.startRun({
      type: input.type,
      runUuid: input.run_uuid,
      request: request.data,
      viewerContext: input.viewer_context,
      signal: Context.current().cancellationSignal,
    });
    if (outcome.kind === 'live') {
      log.info({ status: 'LIVE', run_id: outcome.runId }, 'Seer created the run');
      return {
        run_id: outcome.runId,
        has_explorer_index: outcome.hasExplorerIndex,
        has_org_project_context: outcome.hasOrgProjectContext,
        attempt,
      };
    }
    const failed = outcomeFailure(outcome);
    switch (failed.kind) {
      case 'terminal':
        log.error({ status: 'FAILED', ...failed.logFields }, 'Seer answered with a terminal error');
        throw ApplicationFailure.nonRetryable(failed.message, failed.failure.reason, {
          attempt,
          seer_status: failed.seerStatus,
        } satisfies SeerAttemptDetails);
      case 'transient': {
        const nextRetryDelay = retryDelayMs(input.run_uuid, attempt, failed.retryAfterMs);
        const details: SeerAttemptDetails = {
          attempt,
          seer_status: failed.seerStatus,
          next_retry_delay_ms: nextRetryDelay,
        };
        if (windowEnd !== undefined && Date.now() + nextRetryDelay > windowEnd) {
          log.error(
            { status: 'FAILED', reason: FailureReason.retries_exhausted, ...failed.logFields },
            'Seer did not create the run within the heal window',
          );
          throw ApplicationFailure.nonRetryable(
            `Seer did not create the run within the heal window: ${failed.message}`,
            FailureReason.retries_exhausted,
            details,
          );
        }
        log.warn(
          { status: 'PENDING', ...failed.logFields, next_retry_delay_ms: nextRetryDelay },
          'Seer is unavailable; the attempt will be retried',
        );
        // Always explicit: the server then waits exactly this long, whatever the policy's interval.
        throw ApplicationFailure.create({
          message: failed.message,
          type: TRANSIENT_FAILURE_TYPE,
          nonRetryable: false,
          details: [details],
          nextRetryDelay,
        });
      }
      default:
        return assertNever(failed);
    }
  };
}
