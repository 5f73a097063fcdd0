// The API process's way onto Temporal: a lazy ApiConnection, a Client with our data converter, and
// the RunGateway over them. Lazy, so the API starts (and /readyz says why) while Temporal is down.
import { Client, type ConnectionOptions } from '@temporalio/client';
import type { Tracing } from '../../tracing/tracing';
import type { PayloadKey } from '../codec';
import { dataConverterFor } from '../codec';
import { ApiConnection } from './api-connection';
import { RunGateway, type GatewayLog, type RunFairness } from './gateway';

export interface RunGatewayConnectOptions {
  connectionOptions: ConnectionOptions;
  namespace: string;
  payloadKeys: readonly PayloadKey[];
  taskQueue: string;
  /** SEER_RUNS_PAGE_TOKEN_KEY. */
  pageTokenKey: string;
  logger: GatewayLog;
  /** The embedded worker's Client once it runs (src/temporal/embedded-worker.ts). */
  embeddedClient?: (() => Client | undefined) | undefined;
  /** Starts carry a priority keyed by organization (SEER_RUNS_FAIRNESS=on); none when omitted. */
  fairness?: RunFairness | undefined;
  /** The start's span and the trace context in the run's headers (src/tracing); off when omitted. */
  tracing?: Tracing;
}

export interface ConnectedGateway {
  gateway: RunGateway;
  /** Closes the connection; in-flight calls fail. */
  close(): Promise<void>;
}

export function connectRunGateway(options: RunGatewayConnectOptions): ConnectedGateway {
  const connection = ApiConnection.lazy(options.connectionOptions);
  const client = new Client({
    connection,
    namespace: options.namespace,
    dataConverter: dataConverterFor(options.payloadKeys),
    interceptors: { workflow: options.tracing?.clientInterceptors() ?? [] },
  });
  return {
    gateway: new RunGateway({
      client,
      embeddedClient: options.embeddedClient,
      taskQueue: options.taskQueue,
      pageTokenKey: options.pageTokenKey,
      logger: options.logger,
      fairness: options.fairness,
    }),
    close: () => connection.close(),
  };
}
