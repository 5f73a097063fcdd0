// Starting a SeerRun workflow: id = run UUID, one run per UUID for as long as Temporal retains it,
// typed search attributes and a one-line summary for the Web UI. Used by the API and the tests.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import { SearchAttr, SeerRunStatus, type RunMemo, type SeerRunInput } from '../domain';
import type { seerRun } from '../../workflows';

export const SEER_RUN_WORKFLOW = 'seerRun';

/** The memo a run starts with (the workflow writes the rest of RunMemo). */
export type SeerRunMemo = Pick<RunMemo, 'body_sha256'>;

export function runSummary(
  input: Pick<SeerRunInput, 'type' | 'organization_id' | 'project_id'>,
): string {
  const project = input.project_id === null ? '' : `, project ${input.project_id}`;
  return `${input.type} run for organization ${input.organization_id}${project}`;
}

/**
 * The run's priority when fairness is on: its organization is the fairness key, so matching shares
 * the task queue between organizations by weight. The organization is the one the run belongs to
 * (the API's path), never anything else a client sent. Its activities inherit it.
 */
export function runPriority(organizationId: number, fairnessWeight: number): Priority {
  return { fairnessKey: String(organizationId), fairnessWeight };
}

/**
 * Starts the run's workflow, or joins it when the UUID already names one (running: USE_EXISTING;
 * closed: the server answers "already started" and we return a handle to the closed run).
 */
export async function startSeerRunWorkflow(
  client: Client,
  taskQueue: string,
  input: SeerRunInput,
  memo: SeerRunMemo,
  options: { requestEagerStart?: boolean; priority?: Priority | undefined } = {},
): Promise<WorkflowHandle<typeof seerRun> & { eagerlyStarted?: boolean }> {
  try {
    return await client.workflow.start<typeof seerRun>(SEER_RUN_WORKFLOW, {
      workflowId: input.run_uuid,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      memo: { ...memo },
      staticSummary: runSummary(input),
      typedSearchAttributes: [
        { key: SearchAttr.type, value: input.type },
        { key: SearchAttr.organizationId, value: input.organization_id },
        ...(input.project_id === null
          ? []
          : [{ key: SearchAttr.projectId, value: input.project_id }]),
        { key: SearchAttr.status, value: SeerRunStatus.PENDING },
      ],
      ...(options.requestEagerStart ? { requestEagerStart: true } : {}),
      ...(options.priority === undefined ? {} : { priority: options.priority }),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return client.workflow.getHandle<typeof seerRun>(input.run_uuid);
    }
    throw err;
  }
}
