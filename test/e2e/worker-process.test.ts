// The worker as operators run it (`npm run worker`, a real process): it drains in-flight
// activities on SIGTERM, and it serves Temporal SDK metrics on HOST:WORKER_METRICS_PORT.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { RunType, SeerRoute } from '../../src/domain';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { freePort } from '../../src/temporal/dev-server';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import { accepts, externalAddress } from '../support/network';
import { eventually, startEntry, type EntryProcess } from '../support/processes';
import { connectClient, runInput, testServer } from '../support/temporal';

const SECRET = 'drain-secret';
const CHAT = SeerRoute.explorerChat;

let fake: FakeSeer;
let client: Client;
let closeClient: () => Promise<void>;
const processes: EntryProcess[] = [];

beforeAll(async () => {
  fake = await startFakeSeer({ sharedSecret: SECRET });
  ({ client, close: closeClient } = await connectClient());
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await closeClient?.();
  await fake?.close();
});

async function startWorker(taskQueue: string, metricsPort: number): Promise<EntryProcess> {
  const { address, namespace, bundlePath } = testServer();
  const worker = startEntry('src/worker.ts', {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SEER_URL: fake.url,
    SEER_SHARED_SECRET: SECRET,
    WORKER_METRICS_PORT: String(metricsPort),
    HOST: '',
    WORKER_SHUTDOWN_GRACE_MS: '10000',
    WORKFLOW_BUNDLE_PATH: bundlePath,
  });
  processes.push(worker);
  await eventually('the worker to start', () => worker.output().includes('worker started'));
  return worker;
}

it('SIGTERM lets an in-flight Seer call finish: the run goes LIVE with one Seer run', async () => {
  const taskQueue = `drain-${randomUUID()}`;
  const first = await startWorker(taskQueue, await freePort());
  fake.queueFaults(CHAT, [{ delay_ms: 2_000 }]);
  const input = runInput({
    type: RunType.explorer,
    request: { organization_id: 42, query: 'drain me' },
  });
  const handle = await startSeerRunWorkflow(client, taskQueue, input, { body_sha256: 'drain' });
  await eventually('Seer to receive the request', () =>
    fake.state.requests.some((r) => r.key === input.run_uuid),
  );

  const exit = await first.kill('SIGTERM');
  expect(exit).toEqual({ code: 0, signal: null });
  expect(first.output()).toContain('draining');
  // The attempt in flight when SIGTERM came was answered, not cut off.
  expect(fake.state.requests.filter((r) => r.key === input.run_uuid)).toEqual([
    expect.objectContaining({ status: 200 }),
  ]);

  // A rolling deploy: the replacement worker picks the run up and finishes it without resending.
  await startWorker(taskQueue, await freePort());
  const result = await handle.result();
  expect(result.run_id).toBe(fake.state.runs.find((r) => r.key === input.run_uuid)?.run_id);
  expect(fake.state.requests.filter((r) => r.key === input.run_uuid)).toHaveLength(1);
  expect(fake.state.runs.filter((r) => r.key === input.run_uuid)).toHaveLength(1);
});

it('serves Temporal SDK metrics in Prometheus format on WORKER_METRICS_PORT', async () => {
  const taskQueue = `metrics-${randomUUID()}`;
  const port = await freePort();
  await startWorker(taskQueue, port);
  const input = runInput({
    type: RunType.explorer,
    request: { organization_id: 42, query: 'metrics' },
  });
  await (await startSeerRunWorkflow(client, taskQueue, input, { body_sha256: 'm' })).result();
  const text = await eventually('activity metrics', async () => {
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return /^temporal_workflow_completed\{.*workflow_type="seerRun"/m.test(body) ? body : undefined;
  });
  expect(text).toMatch(/^temporal_num_pollers\{.*task_queue="[^"]+".*\} \d+/m);
  expect(text).toMatch(/^temporal_workflow_completed\{.*workflow_type="seerRun".*\} 1$/m);
  // The first Seer attempt runs as a local activity.
  expect(text).toMatch(
    /^temporal_local_activity_execution_latency\w*\{.*activity_type="startSeerRun"/m,
  );
});

it('serves its metrics on 127.0.0.1 only by default: no other interface answers', async () => {
  const port = await freePort();
  await startWorker(`metrics-bind-${randomUUID()}`, port);
  await eventually('the metrics endpoint', () => accepts('127.0.0.1', port));
  expect(await accepts(externalAddress(), port)).toBe(false);
});
