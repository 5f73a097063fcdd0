// API_EMBEDDED_WORKER=on: a worker inside the API process, on a NativeConnection that a Client
// shares, so the API's starts are eager (the start's answer carries the first workflow task).
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type NativeConnectionOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { temporalLogger } from '../logger';
import type { SeerClient } from '../seer/client';
import { dataConverterFor, type PayloadKey } from './codec';
import { createSeerRunsWorker } from './worker';

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
}

export interface EmbeddedWorker {
  /** The Client eager starts go through (RunGateway's eagerClient). */
  client: Client;
  /** Resolves with the error if the worker dies on its own; never rejects. */
  failed: Promise<unknown>;
  stop(): Promise<void>;
}

/** Connects at start: in this mode the API needs Temporal up to start. */
export async function startEmbeddedWorker(options: EmbeddedWorkerOptions): Promise<EmbeddedWorker> {
  Runtime.install({ logger: temporalLogger(options.logger), shutdownSignals: [] });
  const native = await NativeConnection.connect(options.connectionOptions);
  const dataConverter = dataConverterFor(options.payloadKeys);
  const worker = await createSeerRunsWorker({
    connection: native,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    seer: options.seer,
    logger: options.logger,
    shutdownGraceMs: options.shutdownGraceMs,
    dataConverter,
    ...(options.bundlePath ? { workflowBundle: { codePath: options.bundlePath } } : {}),
  });
  const running = worker.run();
  const failed = new Promise<unknown>((resolve) => {
    running.catch(resolve);
  });
  options.logger.info({ task_queue: options.taskQueue }, 'embedded worker started (eager starts)');
  return {
    client: new Client({ connection: native, namespace: options.namespace, dataConverter }),
    failed,
    async stop() {
      try {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
      } finally {
        await native.close();
      }
    },
  };
}
