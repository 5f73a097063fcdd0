// The API's own worker (API_EMBEDDED_WORKER=on, the default): a worker inside the API process, on a
// NativeConnection that a Client shares, so the API's starts are eager (the start's answer carries
// the run's first workflow task: no matching hop). Waits stay on the API's own connection: a
// NativeConnection cannot cancel a call in flight (SDK 1.24), and a POST's wait must end on time.
//
// It connects in the background: the API serves (and /readyz says why it is not ready) while
// Temporal is down, and its starts go through the API's own connection, not eagerly, until the
// worker runs.
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import {
  NativeConnection,
  Runtime,
  type NativeConnectionOptions,
  type Worker,
} from '@temporalio/worker';
import type { Logger } from 'pino';
import { temporalLogger } from '../logger';
import type { SeerClient } from '../seer/client';
import type { Tracing } from '../tracing/tracing';
import { dataConverterFor, type PayloadKey } from './codec';
import { createSeerRunsWorker, type SeerCap, type WorkerSizing } from './worker';

export interface EmbeddedWorkerOptions {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
  payloadKeys: readonly PayloadKey[];
  shutdownGraceMs: number;
  /** Prebundled workflow code (WORKFLOW_BUNDLE_PATH); bundles at start when omitted. */
  bundlePath?: string | undefined;
  seer: SeerClient;
  logger: Logger;
  sizing?: Partial<WorkerSizing>;
  /** Spans for the starts through its Client, the workflow and the activities (src/tracing). */
  tracing?: Tracing;
  /** SEER_MAX_REQUESTS_PER_SECOND (seerCapOf(config)); omitted = no cap. */
  seerCap?: SeerCap | undefined;
}

export interface EmbeddedWorker {
  /** The Client starts and waits go through once the worker runs; undefined until then. */
  client: () => Client | undefined;
  /** Resolves with the error if the worker dies on its own; never rejects. */
  failed: Promise<unknown>;
  stop(): Promise<void>;
}

/** How long the background start waits between tries while Temporal does not answer. */
const RECONNECT_DELAYS_MS = [500, 1_000, 2_000, 5_000];

/** Starts connecting and returns at once; the worker runs as soon as Temporal answers. */
export function startEmbeddedWorker(options: EmbeddedWorkerOptions): EmbeddedWorker {
  Runtime.install({ logger: temporalLogger(options.logger), shutdownSignals: [] });
  const stopping = new AbortController();
  const dataConverter = dataConverterFor(options.payloadKeys);
  let client: Client | undefined;
  let native: NativeConnection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let reportFailure: (err: unknown) => void = () => undefined;
  const failed = new Promise<unknown>((resolve) => (reportFailure = resolve));

  const connect = async (): Promise<NativeConnection | undefined> => {
    for (let attempt = 0; !stopping.signal.aborted; attempt++) {
      try {
        return await NativeConnection.connect(options.connectionOptions);
      } catch (err) {
        if (attempt === 0) {
          options.logger.warn(
            { err, temporal: options.connectionOptions.address },
            'embedded worker: Temporal does not answer yet; starts are not eager until it does',
          );
        }
        const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)]!;
        await sleep(delay, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
    return undefined;
  };

  const started = (async () => {
    native = await connect();
    if (native === undefined) return;
    worker = await createSeerRunsWorker({
      connection: native,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      seer: options.seer,
      logger: options.logger,
      shutdownGraceMs: options.shutdownGraceMs,
      dataConverter,
      ...(options.bundlePath ? { workflowBundle: { codePath: options.bundlePath } } : {}),
      ...(options.sizing ? { sizing: options.sizing } : {}),
      ...(options.tracing ? { tracing: options.tracing } : {}),
      seerCap: options.seerCap,
    });
    running = worker.run();
    running.catch(reportFailure);
    // Stopped while the worker was being made: stop() shuts it down once `started` settles.
    if (stopping.signal.aborted) return;
    client = new Client({
      connection: native,
      namespace: options.namespace,
      dataConverter,
      interceptors: { workflow: options.tracing?.clientInterceptors() ?? [] },
    });
    options.logger.info(
      { task_queue: options.taskQueue },
      'embedded worker started (eager starts)',
    );
  })().catch((err: unknown) => {
    // Creating the worker failed with Temporal up (a bad bundle, a refused namespace): as fatal
    // as the worker dying later.
    reportFailure(err);
  });

  return {
    client: () => client,
    failed,
    async stop() {
      stopping.abort();
      client = undefined;
      await started;
      try {
        if (worker?.getState() === 'RUNNING') worker.shutdown();
        await running?.catch(() => undefined);
      } finally {
        await native?.close();
      }
    },
  };
}
