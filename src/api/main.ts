// Entry point of the API process (`npm run api`): config, Temporal and Seer clients, the app on
// PORT; on SIGTERM/SIGINT it drains in-flight requests, then closes its clients.
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type NativeConnectionOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadConfigOrExit, type Config } from '../config';
import { createLogger, temporalLogger } from '../logger';
import { SeerClient } from '../seer/client';
import { dataConverterFor } from '../temporal/codec';
import { temporalConnectConfig } from '../temporal/connection';
import { createSeerRunsWorker } from '../temporal/worker';
import { buildApp } from './app';
import { startServer } from './server';
import { ApiConnection } from './temporal-connection';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'api');
  for (const warning of config.warnings) logger.warn(warning);

  const { connectionOptions, namespace } = temporalConnectConfig(config);
  const connection = ApiConnection.lazy(connectionOptions);
  const temporal = new Client({
    connection,
    namespace,
    dataConverter: dataConverterFor(config.payloadKeys),
  });
  const seer = new SeerClient({
    baseUrl: config.seer.url,
    sharedSecret: config.seer.sharedSecret,
    requestTimeoutMs: config.seer.requestTimeoutMs,
  });
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry });

  const embedded = config.apiEmbeddedWorker
    ? await startEmbeddedWorker(config, connectionOptions, namespace, seer, logger)
    : undefined;

  const app = buildApp({
    config,
    temporal,
    ...(embedded ? { eagerTemporal: embedded.client } : {}),
    seer,
    logger,
    metricsRegistry,
  });
  const server = await startServer(app, {
    host: '0.0.0.0',
    port: config.port,
    syncWaitTimeoutMs: config.syncWaitTimeoutMs,
  });
  logger.info(
    {
      url: server.url,
      temporal: connectionOptions.address,
      namespace,
      task_queue: config.temporal.taskQueue,
    },
    'API listening',
  );

  // One drain, whichever signal comes first or how often (a terminal's Ctrl-C, then a supervisor).
  let draining: Promise<void> | undefined;
  const drain = (why: string) => {
    draining ??= (async () => {
      logger.info({ why }, 'draining: finishing in-flight requests, then exiting');
      await server.close();
      await embedded?.stop();
      await connection.close();
      await seer.close();
      logger.info('API stopped');
    })().catch((err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exitCode = 1;
    });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => drain(signal));
  embedded?.failed.then(
    (err) => {
      logger.error({ err }, 'the embedded worker failed; stopping the API');
      process.exitCode = 1;
      drain('embedded worker failed');
    },
    () => undefined,
  );
}

/**
 * API_EMBEDDED_WORKER=on: a worker in this process on a NativeConnection that a Client shares, so
 * starts are eager (the start's answer carries the first workflow task, no matching hop). The
 * connection is made at start: in this mode the API needs Temporal up to start.
 */
async function startEmbeddedWorker(
  config: Config,
  connectionOptions: NativeConnectionOptions,
  namespace: string,
  seer: SeerClient,
  logger: Logger,
): Promise<{ client: Client; failed: Promise<unknown>; stop: () => Promise<void> }> {
  Runtime.install({ logger: temporalLogger(logger), shutdownSignals: [] });
  const native = await NativeConnection.connect(connectionOptions);
  const dataConverter = dataConverterFor(config.payloadKeys);
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  const worker = await createSeerRunsWorker({
    connection: native,
    namespace,
    taskQueue: config.temporal.taskQueue,
    seer,
    logger,
    shutdownGraceMs: config.worker.shutdownGraceMs,
    dataConverter,
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  });
  const running = worker.run();
  // Resolves with the error if the worker dies on its own; never rejects.
  const failed = new Promise<unknown>((resolve) => {
    running.catch(resolve);
  });
  logger.info({ task_queue: config.temporal.taskQueue }, 'embedded worker started (eager starts)');
  return {
    client: new Client({ connection: native, namespace, dataConverter }),
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

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
