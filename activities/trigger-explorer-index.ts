// Activity `triggerExplorerIndex`: the explorer follow-up's requests. A transient answer is retried
// by the child workflow's policy; a terminal one ends the follow-up. With a Seer cap each request
// takes a token from the worker's budget first (it never fails a run, so it simply waits).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { ExplorerIndexAck, ExplorerIndexTarget } from '../src/seer/client';
import { REQUEST_NOT_SENT_FAILURE_TYPE } from '../src/domain/seer-run';
import { tokenWaitMs, type SeerBudget } from './seer-budget';

export interface ExplorerIndexArgs {
  org_id: number;
  project_id: number | null;
  has_explorer_index: boolean | null;
  has_org_project_context: boolean | null;
}

export interface ExplorerIndexer {
  triggerExplorerIndex(
    target: ExplorerIndexTarget,
    signal?: AbortSignal,
  ): Promise<ExplorerIndexAck[]>;
}

export function createTriggerExplorerIndex(deps: {
  seer: ExplorerIndexer;
  logger: Logger;
  seerBudget?: SeerBudget | undefined;
}) {
  return async function triggerExplorerIndex(args: ExplorerIndexArgs): Promise<void> {
    if (deps.seerBudget !== undefined) await takeTokens(deps.seerBudget, args);
    const acks = await deps.seer.triggerExplorerIndex(
      {
        orgId: args.org_id,
        projectId: args.project_id,
        hasExplorerIndex: args.has_explorer_index,
        hasOrgProjectContext: args.has_org_project_context,
      },
      Context.current().cancellationSignal,
    );
    const failed = acks.filter((ack) => ack.kind !== 'ok');
    const causes = failed.map((ack) => `${ack.route}: ${ack.cause}`);
    if (failed.length === 0) {
      deps.logger.info({ ...args, routes: acks.map((a) => a.route) }, 'explorer index triggered');
      return;
    }
    deps.logger.warn({ ...args, causes }, 'explorer index trigger failed');
    if (failed.some((ack) => ack.kind === 'terminal')) {
      throw ApplicationFailure.nonRetryable(
        `Seer refused the index trigger: ${causes.join(', ')}`,
        'index_rejected',
      );
    }
    throw ApplicationFailure.retryable(
      `Seer unavailable for the index trigger: ${causes.join(', ')}`,
      'seer_transient',
    );
  };
}

/**
 * One token per request the client will send (one POST per flag that is explicitly false,
 * src/seer/client.ts). None in time: a retryable failure, and the child's policy tries again.
 */
async function takeTokens(budget: SeerBudget, args: ExplorerIndexArgs): Promise<void> {
  const requests = [args.has_explorer_index, args.has_org_project_context].filter(
    (flag) => flag === false,
  ).length;
  const { info, cancellationSignal } = Context.current();
  for (let i = 0; i < requests; i++) {
    if (
      !(await budget.gate.acquire(tokenWaitMs(info, budget.requestTimeoutMs), cancellationSignal))
    ) {
      throw ApplicationFailure.retryable(
        'no Seer request token in time (SEER_MAX_REQUESTS_PER_SECOND); nothing sent',
        REQUEST_NOT_SENT_FAILURE_TYPE,
      );
    }
  }
}
