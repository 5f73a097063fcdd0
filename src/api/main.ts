// Entry point of the API process (`npm run api`): config, Temporal and Seer clients, the app on
// PORT; on SIGTERM/SIGINT it drains in-flight requests, then closes its clients.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadConfigOrExit, orgWeight } from '../config';
import { createLogger } from '../logger';
import { SeerClient } from '../seer/client';
import { connectRunGateway } from '../temporal/client/connect';
import { temporalConnectConfig } from '../temporal/connection';
import { startEmbeddedWorker } from '../temporal/embedded-worker';
import { seerCapOf } from '../temporal/worker';
import { startTracing } from '../tracing/tracing';
import { buildApp } from './app';
import { startServer } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'api');
  for (const warning of config.warnings) logger.warn(warning);
  const tracing = startTracing({ defaultServiceName: 'seer-runs-api', logger });

  const { connectionOptions, namespace } = temporalConnectConfig(config);
  const seer = new SeerClient({
    baseUrl: config.seer.url,
    sharedSecret: config.seer.sharedSecret,
    requestTimeoutMs: config.seer.requestTimeoutMs,
  });
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry });

  const embedded = config.apiEmbeddedWorker
    ? startEmbeddedWorker({
        connectionOptions,
        namespace,
        taskQueue: config.temporal.taskQueue,
        payloadKeys: config.payloadKeys,
        shutdownGraceMs: config.worker.shutdownGraceMs,
        bundlePath: process.env.WORKFLOW_BUNDLE_PATH,
        seer,
        seerCap: seerCapOf(config),
        logger,
        tracing,
      })
    : undefined;
  const temporal = connectRunGateway({
    connectionOptions,
    namespace,
    payloadKeys: config.payloadKeys,
    taskQueue: config.temporal.taskQueue,
    pageTokenKey: config.pageTokenKey,
    logger,
    embeddedClient: embedded?.client,
    fairness: config.fairness.enabled
      ? { weightOf: (org) => orgWeight(config.fairness.weights, org) }
      : undefined,
    tracing,
  });

  const app = buildApp({
    config,
    runs: temporal.gateway,
    seer,
    logger,
    metricsRegistry,
    tracing: tracing.enabled,
  });
  const server = await startServer(app, {
    host: config.host,
    port: config.port,
    syncWaitTimeoutMs: config.syncWaitTimeoutMs,
    shutdownTimeoutMs: config.apiDrainMs,
  });
  logger.info(
    {
      url: server.url,
      temporal: connectionOptions.address,
      namespace,
      task_queue: config.temporal.taskQueue,
      tracing: tracing.endpoint ?? 'off',
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
      await temporal.close();
      await seer.close();
      await tracing.shutdown();
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

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
