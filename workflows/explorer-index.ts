// The explorer follow-up: workflow `explorerIndex` asks Seer to index a project when a new run's
// answer says an index is missing, and `startExplorerIndex` starts it from a LIVE run. Best effort:
// retried within its own policy, never fails a run.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { log, ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { SeerRunInput } from '../src/domain/seer-run-input';
import type { Activities } from '../activities';
import type { StartSeerRunResult } from '../activities/start-seer-run';
import type { ExplorerIndexArgs } from '../activities/trigger-explorer-index';

const { triggerExplorerIndex } = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 5,
  },
});

export function explorerIndexWorkflowId(orgId: number, projectId: number | null): string {
  return projectId === null ? `explorer-index:${orgId}` : `explorer-index:${orgId}:${projectId}`;
}

export async function explorerIndex(args: ExplorerIndexArgs): Promise<void> {
  try {
    await triggerExplorerIndex(args);
  } catch (err) {
    log.warn('explorer index trigger gave up', { ...args, error: String(err) });
  }
}

/**
 * Starts the index child when Seer said a flag is false, and returns once it has started, never
 * waiting for it. "Already started" means another run of this project already triggered it.
 */
export async function startExplorerIndex(
  input: SeerRunInput,
  result: StartSeerRunResult,
): Promise<void> {
  const args: ExplorerIndexArgs = {
    org_id: input.organization_id,
    project_id: input.project_id,
    has_explorer_index: result.has_explorer_index,
    has_org_project_context: result.has_org_project_context,
  };
  if (args.has_explorer_index !== false && args.has_org_project_context !== false) return;
  try {
    await startChild(explorerIndex, {
      workflowId: explorerIndexWorkflowId(args.org_id, args.project_id),
      args: [args],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      log.info('explorer index already triggered for this project', { run_uuid: input.run_uuid });
      return;
    }
    log.warn('could not start the explorer index trigger', {
      run_uuid: input.run_uuid,
      error: String(err),
    });
  }
}
