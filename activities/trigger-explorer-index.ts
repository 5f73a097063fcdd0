// Activity `triggerExplorerIndex`: the explorer follow-up's requests. A transient answer is retried
// by the child workflow's policy; a terminal one ends the follow-up.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { ExplorerIndexAck, ExplorerIndexTarget } from '../src/seer/client';

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

export function createTriggerExplorerIndex(deps: { seer: ExplorerIndexer; logger: Logger }) {
  return async function triggerExplorerIndex(args: ExplorerIndexArgs): Promise<void> {
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
