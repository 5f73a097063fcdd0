// Which workflow code a worker runs with tracing on or off: the prebundle, or its tracing twin
// (<bundle>.tracing.js, with Temporal's OpenTelemetry workflow interceptors). Tracing must never
// stop a worker: a missing twin is one warning, and the plain bundle runs.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { SeerClient } from '../../src/seer/client';
import { createSeerRunsWorker, tracingBundlePath } from '../../src/temporal/worker';
import { TRACING_OFF, type Tracing } from '../../src/tracing/tracing';
import { installTestRuntime, testServer } from '../support/temporal';

const dir = mkdtempSync(join(tmpdir(), 'tracing-bundle-'));
let connection: NativeConnection;
const seer = new SeerClient({
  baseUrl: 'http://127.0.0.1:9',
  sharedSecret: 's',
  requestTimeoutMs: 1_000,
});
const tracingOn: Tracing = { ...TRACING_OFF, enabled: true, endpoint: 'http://127.0.0.1:9' };

beforeAll(async () => {
  installTestRuntime();
  connection = await NativeConnection.connect({ address: testServer().address });
});
afterAll(async () => {
  await connection?.close();
  await seer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Creates (and drops) a worker on `bundle`; returns what it logged. */
async function workerLog(bundle: string, tracing: Tracing): Promise<string> {
  let logged = '';
  const logger = pino({ level: 'warn' }, { write: (line: string) => (logged += line) });
  const worker = await createSeerRunsWorker({
    connection,
    namespace: testServer().namespace,
    taskQueue: `tracing-bundle-${Math.random()}`,
    seer,
    logger,
    workflowBundle: { codePath: bundle },
    tracing,
  });
  // A created worker holds the connection until it has run: run it and stop it at once.
  const running = worker.run();
  worker.shutdown();
  await running;
  return logged;
}

it('with tracing on and no tracing twin beside the bundle, warns once and runs the plain bundle', async () => {
  const bundle = join(dir, 'alone.js');
  copyFileSync(testServer().bundlePath, bundle);
  const logged = await workerLog(bundle, tracingOn);
  expect(logged.match(/the tracing bundle is missing/g)).toHaveLength(1);
});

it('with tracing on and the twin in place, or tracing off, says nothing', async () => {
  const bundle = join(dir, 'paired.js');
  copyFileSync(testServer().bundlePath, bundle);
  copyFileSync(tracingBundlePath(testServer().bundlePath), tracingBundlePath(bundle));
  expect(await workerLog(bundle, tracingOn)).toBe('');
  const alone = join(dir, 'alone-off.js');
  copyFileSync(testServer().bundlePath, alone);
  expect(await workerLog(alone, TRACING_OFF)).toBe('');
});
