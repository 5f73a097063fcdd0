// Entry point of the API process (`npm run api`): config, Temporal and Seer clients, the app on
// PORT; on SIGTERM/SIGINT it drains in-flight requests, then closes its clients.
import { Client } from '@temporalio/client';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { SeerClient } from '../seer/client';
import { dataConverterFor } from '../temporal/codec';
import { temporalConnectConfig } from '../temporal/connection';
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

  const app = buildApp({ config, temporal, seer, logger, metricsRegistry });
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

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
