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

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'draining: finishing in-flight requests, then exiting');
      void (async () => {
        await server.close();
        await embedded?.stop();
        await connection.close();
        await seer.close();
        logger.info('API stopped');
      })().catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exitCode = 1;
      });
    });
  }
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
): Promise<{ client: Client; stop: () => Promise<void> }> {
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
  logger.info({ task_queue: config.temporal.taskQueue }, 'embedded worker started (eager starts)');
  return {
    client: new Client({ connection: native, namespace, dataConverter }),
    async stop() {
      worker.shutdown();
      await running;
      await native.close();
    },
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
