// Builds the seer-runs worker: the workflows (prebundled when a bundle is given) and the
// activities around one Seer client. Shared by `npm run worker`, `npm start` and the tests.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../../activities';
import type { SeerClient } from '../seer/client';
import { TRACING_OFF, WORKFLOW_INTERCEPTOR_MODULES, type Tracing } from '../tracing/tracing';

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
  /** Slots, cache and threads (WORKER_SIZING); tests use a few slots to show what a hung Seer holds. */
  sizing?: Partial<WorkerSizing>;
  /** Spans for the workflow and each activity attempt (src/tracing); off when omitted. */
  tracing?: Tracing;
}

/**
 * How a worker is sized for seer-runs' short runs: most end within one workflow task, whose local
 * first attempt holds its slot while Seer answers (at most LOCAL_ATTEMPT_LIMIT_MS).
 */
export interface WorkerSizing {
  /**
   * Workflow tasks in flight: each healthy run holds one for a Seer round trip, so this bounds the
   * first attempts in flight per worker (the SDK's default of 40 would cap them at 40).
   */
  workflowTaskSlots: number;
  /** Local activities in flight: the first attempts; as many as workflow task slots. */
  localActivitySlots: number;
  /**
   * Runs kept in the sticky cache. A healthy run leaves it when it closes; the ones kept are runs
   * between retries, which replay cheaply when evicted. Bounds the worker's memory.
   */
  maxCachedWorkflows: number;
}

export const DEFAULT_WORKER_SIZING: WorkerSizing = {
  workflowTaskSlots: 200,
  localActivitySlots: 200,
  maxCachedWorkflows: 1_000,
};

/** The Worker options a sizing sets (the bench's engine_floor worker takes the same). */
export function workerSizingOptions(sizing: WorkerSizing) {
  return {
    maxConcurrentWorkflowTaskExecutions: sizing.workflowTaskSlots,
    maxConcurrentLocalActivityExecutions: sizing.localActivitySlots,
    maxCachedWorkflows: sizing.maxCachedWorkflows,
  } as const;
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
    // The workflow interceptors are in every bundle (src/temporal/prebundle.ts) and call the
    // exporter sink, so a worker always injects one (a no-op while tracing is off).
    interceptors: {
      // A prebundle holds them already (prebundle.ts); the SDK warns when both are given.
      ...(options.workflowBundle ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
      activity: options.tracing?.activityInterceptors() ?? [],
    },
    sinks: (options.tracing ?? TRACING_OFF).workflowSinks(),
    shutdownGraceTime: options.shutdownGraceMs ?? 30_000,
    ...workerSizingOptions({ ...DEFAULT_WORKER_SIZING, ...options.sizing }),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}
