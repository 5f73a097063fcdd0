// Workflow `explorerIndex`: the explorer follow-up. Asks Seer to index a project when a new run's
// answer says an index is missing. Best effort: retried within its own policy, never fails a run.
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
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
