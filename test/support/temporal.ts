// What integration tests need from the shared dev server: a client, a worker on a task queue of
// their own (the bundle made once by global setup), and a way to start runs as the API does.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  type LogEntry,
  type LogLevel,
  type Worker,
} from '@temporalio/worker';
import pino from 'pino';
import { RunType, type SeerRunInput } from '../../src/domain';
import { SeerClient } from '../../src/seer/client';
import { dataConverterFor, type PayloadKey } from '../../src/temporal/codec';
import { createSeerRunsWorker, type SeerCap } from '../../src/temporal/worker';

let runtimeInstalled = false;
/**
 * The SDK's runtime for this test file, once: errors only, or every entry from `level` up handed
 * to `onLog` (workflow code logs through it). Call before the first worker to capture.
 */
export function installTestRuntime(onLog?: {
  level: LogLevel;
  entry: (entry: LogEntry) => void;
}): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: onLog ? new DefaultLogger(onLog.level, onLog.entry) : new DefaultLogger('ERROR'),
  });
  runtimeInstalled = true;
}

export function testServer() {
  const address = process.env.TEMPORAL_ADDRESS;
  const bundlePath = process.env.SEER_RUNS_TEST_BUNDLE;
  if (!address || !bundlePath)
    throw new Error('run under jest: global setup starts the dev server');
  return { address, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', bundlePath };
}

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A client of the shared server; with `payloadKeys` it encrypts and decrypts like the API. */
export async function connectClient(
  payloadKeys: PayloadKey[] = [],
): Promise<{ client: Client; close: () => Promise<void> }> {
  const { address, namespace } = testServer();
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    namespace,
    dataConverter: dataConverterFor(payloadKeys),
  });
  return { client, close: () => connection.close() };
}

export interface TestWorker {
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** A worker on a fresh task queue, talking to `seerUrl` (the fake Seer). */
export async function startTestWorker(options: {
  seerUrl: string;
  sharedSecret: string;
  requestTimeoutMs?: number;
  payloadKeys?: PayloadKey[];
  workflowTaskSlots?: number;
  /** A task queue of the test's own (default: a fresh one); e.g. two workers on one queue. */
  taskQueue?: string;
  /** SEER_MAX_REQUESTS_PER_SECOND's worker settings. */
  seerCap?: SeerCap;
}): Promise<TestWorker> {
  installTestRuntime();
  const { address, namespace, bundlePath } = testServer();
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address });
  const seer = new SeerClient({
    baseUrl: options.seerUrl,
    sharedSecret: options.sharedSecret,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
  });
  const worker = await createSeerRunsWorker({
    connection,
    namespace,
    taskQueue,
    seer,
    logger: testLogger,
    workflowBundle: { codePath: bundlePath },
    shutdownGraceMs: 1_000,
    dataConverter: dataConverterFor(options.payloadKeys ?? []),
    ...(options.workflowTaskSlots === undefined
      ? {}
      : { sizing: { workflowTaskSlots: options.workflowTaskSlots } }),
    ...(options.seerCap === undefined ? {} : { seerCap: options.seerCap }),
  });
  const running = worker.run();
  return {
    taskQueue,
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await seer.close();
    },
  };
}

/** A run's workflow input with test defaults (what the API would build). */
export function runInput(
  overrides: Partial<SeerRunInput> & Pick<SeerRunInput, 'type' | 'request'>,
): SeerRunInput {
  return {
    run_uuid: randomUUID(),
    organization_id: 42,
    project_id: null,
    viewer_context: null,
    explorer_index_trigger: true,
    heal_window_ms: 24 * 3_600_000,
    attempt_timeout_ms: 5_000,
    started_by: randomUUID(),
    ...overrides,
  };
}

/** An explorer run's input, its request as the API binds it for organization 42. */
export function explorerInput(overrides: Partial<SeerRunInput> = {}): SeerRunInput {
  return runInput({
    type: RunType.explorer,
    request: {
      organization_id: 42,
      query: 'why is checkout slow?',
      run_id: null,
      insert_index: null,
      on_page_context: null,
    },
    ...overrides,
  });
}
