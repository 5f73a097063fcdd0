// Builds the seer-runs worker: the workflows (prebundled when a bundle is given) and the
// activities around one Seer client. Shared by `npm run worker`, `npm start` and the tests.
import { existsSync } from 'node:fs';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../../activities';
import type { SeerClient } from '../seer/client';
import { RequestBudget } from '../seer/request-budget';
import { TRACING_OFF, WORKFLOW_INTERCEPTOR_MODULES, type Tracing } from '../tracing/tracing';
import { startBudgetShare } from './seer-budget-share';

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
  /** SEER_MAX_REQUESTS_PER_SECOND; omitted = no cap, no budget, no describe calls. */
  seerCap?: SeerCap | undefined;
}

/** The cap on requests to Seer across every worker, and the Seer client's request timeout. */
export interface SeerCap {
  maxRequestsPerSecond: number;
  requestTimeoutMs: number;
}

/** The worker's SeerCap from the configuration: undefined when SEER_MAX_REQUESTS_PER_SECOND is unset. */
export function seerCapOf(config: {
  seer: { maxRequestsPerSecond: number | undefined; requestTimeoutMs: number };
}): SeerCap | undefined {
  const { maxRequestsPerSecond, requestTimeoutMs } = config.seer;
  return maxRequestsPerSecond === undefined
    ? undefined
    : { maxRequestsPerSecond, requestTimeoutMs };
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

/**
 * The tracing twin of a bundle: the same workflows with Temporal's OpenTelemetry workflow
 * interceptors. Kept apart because those interceptors cost every activation CPU even with tracing
 * off (measured: the API's CPU per run 12 → 20 ms at c=64, bench/README.md).
 */
export function tracingBundlePath(bundlePath: string): string {
  return bundlePath.replace(/(\.js)?$/, '.tracing.js');
}

/**
 * The workflow code a worker runs: the prebundle, or its tracing twin (tracingBundlePath) when
 * tracing is on; without a prebundle, `workflows/` bundled at start, with Temporal's OpenTelemetry
 * workflow interceptors only when tracing is on (they cost every activation CPU even when off).
 */
function workflowCode(bundle: WorkflowBundleOption | undefined, tracing: boolean, logger: Logger) {
  if (bundle === undefined) {
    return tracing
      ? {
          workflowsPath: WORKFLOWS_PATH,
          interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
        }
      : { workflowsPath: WORKFLOWS_PATH };
  }
  if (!tracing || !('codePath' in bundle)) return { workflowBundle: bundle };
  const twin = tracingBundlePath(bundle.codePath);
  if (!existsSync(twin)) {
    // Tracing must never stop a worker: without the twin, the run's spans miss the workflow's.
    logger.warn(
      { bundle: bundle.codePath, tracing_bundle: twin },
      'tracing is on but the tracing bundle is missing: workflow spans are left out (run prebundle.js)',
    );
    return { workflowBundle: bundle };
  }
  return { workflowBundle: { codePath: twin } };
}

export async function createSeerRunsWorker(options: SeerRunsWorkerOptions): Promise<Worker> {
  const tracing = options.tracing?.enabled === true;
  const { interceptors: workflowInterceptors, ...code } = {
    interceptors: undefined,
    ...workflowCode(options.workflowBundle, tracing, options.logger),
  };
  const cap = options.seerCap;
  const budget = cap && new RequestBudget(cap.maxRequestsPerSecond);
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...code,
    activities: createActivities({
      seer: options.seer,
      logger: options.logger,
      seerBudget: budget && cap && { gate: budget, requestTimeoutMs: cap.requestTimeoutMs },
    }),
    interceptors: {
      ...workflowInterceptors,
      activity: options.tracing?.activityInterceptors() ?? [],
    },
    // Only the tracing bundle's interceptors call it; harmless (and needed by none) otherwise.
    sinks: (options.tracing ?? TRACING_OFF).workflowSinks(),
    shutdownGraceTime: options.shutdownGraceMs ?? 30_000,
    ...workerSizingOptions({ ...DEFAULT_WORKER_SIZING, ...options.sizing }),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    // The server spaces activity tasks across every worker (retries, follow-ups), and keeps the
    // limit through restarts; the SDK turns eager activities off with it, so none skips matching.
    ...(cap ? { maxTaskQueueActivitiesPerSecond: cap.maxRequestsPerSecond } : {}),
  });
  if (budget && cap) shareWhileRunning(worker, options, budget, cap);
  return worker;
}

/**
 * The budget's share follows the workers polling the queue for as long as this one runs: run()
 * starts the refresher and stops it when the worker has shut down, so nothing outlives the worker
 * (Worker.runUntil goes through run() too).
 */
function shareWhileRunning(
  worker: Worker,
  options: SeerRunsWorkerOptions,
  budget: RequestBudget,
  cap: SeerCap,
): void {
  const run = worker.run.bind(worker);
  worker.run = async () => {
    options.logger.info(
      { max_requests_per_second: cap.maxRequestsPerSecond, task_queue: options.taskQueue },
      'Seer request cap on: task queue activity rate limit and a per-worker request budget',
    );
    const share = startBudgetShare({
      connection: options.connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      identity: worker.options.identity,
      maxRequestsPerSecond: cap.maxRequestsPerSecond,
      budget,
      logger: options.logger,
    });
    try {
      await run();
    } finally {
      await share.stop();
    }
  };
}
