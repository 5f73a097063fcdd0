// Entry point of the worker process (`npm run worker`): connects with config, registers the
// workflows and activities on TEMPORAL_TASK_QUEUE, exposes SDK metrics, drains on SIGTERM/SIGINT.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfigOrExit } from './config';
import { createLogger, temporalLogger } from './logger';
import { SeerClient } from './seer/client';
import { dataConverterFor } from './temporal/codec';
import { temporalConnectConfig } from './temporal/connection';
import { createSeerRunsWorker, seerCapOf } from './temporal/worker';
import { startTracing } from './tracing/tracing';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'worker');
  for (const warning of config.warnings) logger.warn(warning);
  const tracing = startTracing({ defaultServiceName: 'seer-runs-worker', logger });
  Runtime.install({
    logger: temporalLogger(logger),
    // The worker shuts down on our signal handlers below, after draining, not on the runtime's.
    shutdownSignals: [],
    telemetryOptions: {
      metrics: { prometheus: { bindAddress: config.worker.metricsBindAddress } },
    },
  });
  const { connectionOptions, namespace } = temporalConnectConfig(config);
  const connection = await NativeConnection.connect(connectionOptions);
  const seer = new SeerClient({
    baseUrl: config.seer.url,
    sharedSecret: config.seer.sharedSecret,
    requestTimeoutMs: config.seer.requestTimeoutMs,
  });
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  const worker = await createSeerRunsWorker({
    connection,
    namespace,
    taskQueue: config.temporal.taskQueue,
    seer,
    logger,
    shutdownGraceMs: config.worker.shutdownGraceMs,
    dataConverter: dataConverterFor(config.payloadKeys),
    tracing,
    seerCap: seerCapOf(config),
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  });
  // Shut down once, whichever signal comes first or how often (Ctrl-C, then a supervisor's SIGTERM).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (worker.getState() !== 'RUNNING') return;
      logger.info({ signal }, 'draining: finishing in-flight activities, then exiting');
      worker.shutdown();
    });
  }

  logger.info(
    {
      address: connectionOptions.address,
      namespace,
      task_queue: config.temporal.taskQueue,
      metrics_port: config.worker.metricsPort,
      tracing: tracing.endpoint ?? 'off',
      max_seer_requests_per_second: config.seer.maxRequestsPerSecond ?? 'no cap',
    },
    'worker started',
  );
  await worker.run();
  await connection.close();
  await seer.close();
  await tracing.shutdown();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
