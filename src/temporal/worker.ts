// Builds the seer-runs worker: the workflows (prebundled when a bundle is given) and the
// activities around one Seer client. Shared by `npm run worker`, `npm start` and the tests.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../../activities';
import type { SeerClient } from '../seer/client';

export const WORKFLOWS_PATH = require.resolve('../../workflows');

export interface SeerRunsWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  seer: SeerClient;
  logger: Logger;
  /** Prebundled workflow code; bundles `workflows/` at start when omitted. */
  workflowBundle?: WorkflowBundleOption;
  shutdownGraceMs?: number;
  /** Payload codec and failure converter (dataConverterFor); a prebundle must match it. */
  dataConverter?: DataConverter;
  /** Workflow task slots (default 200); tests use a few to show what a hung Seer holds. */
  workflowTaskSlots?: number;
}

export async function createSeerRunsWorker(options: SeerRunsWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ seer: options.seer, logger: options.logger }),
    shutdownGraceTime: options.shutdownGraceMs ?? 30_000,
    // A run holds its workflow task slot while its local first attempt waits on Seer (at most
    // LOCAL_ATTEMPT_LIMIT_MS, src/domain/attempts.ts): the SDK's default of 40 slots would cap a
    // worker at 40 first attempts in flight.
    maxConcurrentWorkflowTaskExecutions: options.workflowTaskSlots ?? 200,
    maxConcurrentLocalActivityExecutions: 200,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}
