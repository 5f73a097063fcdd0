// Activity `startSeerRun`: validates the run's input, asks Seer to create the run, and turns the
// client's typed outcome into a result or a Temporal failure (the decision table's last step).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import {
  assertNever,
  FailureReason,
  MAX_RETRY_DELAY_MS,
  TRANSIENT_FAILURE_TYPE,
  type SeerAttemptDetails,
  requestSchemaFor,
  type SeerRunInput,
  type RunType,
  type ViewerContext,
} from '../src/domain';
import type { SeerOutcome } from '../src/seer/outcome';

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
  /** `priorAttempts`: requests already sent by an earlier (local) activity for this run. */
  return async function startSeerRun(
    input: SeerRunInput,
    priorAttempts = 0,
  ): Promise<StartSeerRunResult> {
    const attempt = Context.current().info.attempt + priorAttempts;
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
    switch (outcome.kind) {
      case 'live':
        log.info({ status: 'LIVE', run_id: outcome.runId }, 'Seer created the run');
        return {
          run_id: outcome.runId,
          has_explorer_index: outcome.hasExplorerIndex,
          has_org_project_context: outcome.hasOrgProjectContext,
          attempt,
        };
      case 'terminal':
        log.error(
          {
            status: 'FAILED',
            reason: outcome.reason,
            seer_status: outcome.seerStatus,
            seer_body: outcome.bodySnippet,
          },
          'Seer answered with a terminal error',
        );
        throw ApplicationFailure.nonRetryable(
          `Seer answered ${outcome.seerStatus ?? ''}: ${outcome.reason}`.replace('  ', ' '),
          outcome.reason,
          { attempt, seer_status: outcome.seerStatus ?? null } satisfies SeerAttemptDetails,
        );
      case 'transient': {
        const nextRetryDelay =
          outcome.retryAfterMs === undefined
            ? undefined
            : Math.min(outcome.retryAfterMs, MAX_RETRY_DELAY_MS);
        log.warn(
          {
            status: 'PENDING',
            seer_status: outcome.seerStatus,
            cause: outcome.cause,
            next_retry_delay_ms: nextRetryDelay,
          },
          'Seer is unavailable; the attempt will be retried',
        );
        throw ApplicationFailure.create({
          message: `Seer unavailable (${outcome.seerStatus ?? outcome.cause})`,
          type: TRANSIENT_FAILURE_TYPE,
          nonRetryable: false,
          details: [
            {
              attempt,
              seer_status: outcome.seerStatus ?? null,
              ...(nextRetryDelay === undefined ? {} : { next_retry_delay_ms: nextRetryDelay }),
            } satisfies SeerAttemptDetails,
          ],
          ...(nextRetryDelay === undefined ? {} : { nextRetryDelay }),
        });
      }
      default:
        return assertNever(outcome);
    }
  };
}
