// Activity `startSeerRun` (START_SEER_RUN_ACTIVITY): validates the run's input, asks Seer to create
// the run, and turns the client's typed outcome into a result or a Temporal failure (the decision
// table's last step; src/seer/outcome-failure.ts reads the outcome). Its second argument, what
// earlier activities of the run sent, is recorded in history: it accepts every recorded form.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import {
  assertNever,
  FailureReason,
  requestNumber,
  requestSchemaFor,
  TRANSIENT_FAILURE_TYPE,
  type RecordedAttemptsBefore,
  type RunType,
  type SeerAttemptDetails,
  type SeerRunInput,
  type ViewerContext,
} from '../src/domain';
import type { SeerOutcome } from '../src/seer/outcome';
import { outcomeFailure } from '../src/seer/outcome-failure';

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

export function createStartSeerRun(deps: { seer: SeerRunStarter; logger: Logger }) {
  return async function startSeerRun(
    input: SeerRunInput,
    before?: RecordedAttemptsBefore,
  ): Promise<StartSeerRunResult> {
    const attempt = requestNumber(Context.current().info.attempt, before);
    const log = deps.logger.child({
      run_uuid: input.run_uuid,
      type: input.type,
      organization_id: input.organization_id,
      project_id: input.project_id,
      attempt,
    });
    const request = requestSchemaFor(input.type).safeParse(input.request);
    if (!request.success) {
      log.error(
        { status: 'FAILED', reason: FailureReason.invalid_payload },
        'run input fails its schema',
      );
      throw ApplicationFailure.nonRetryable(
        `the run's request fails the ${input.type} schema: ${request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        FailureReason.invalid_payload,
        { attempt, seer_status: null } satisfies SeerAttemptDetails,
      );
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
        const nextRetryDelay = failed.nextRetryDelayMs;
        log.warn(
          { status: 'PENDING', ...failed.logFields, next_retry_delay_ms: nextRetryDelay },
          'Seer is unavailable; the attempt will be retried',
        );
        throw ApplicationFailure.create({
          message: failed.message,
          type: TRANSIENT_FAILURE_TYPE,
          nonRetryable: false,
          details: [
            {
              attempt,
              seer_status: failed.seerStatus,
              ...(nextRetryDelay === undefined ? {} : { next_retry_delay_ms: nextRetryDelay }),
            } satisfies SeerAttemptDetails,
          ],
          ...(nextRetryDelay === undefined ? {} : { nextRetryDelay }),
        });
      }
      default:
        return assertNever(failed);
    }
  };
}
