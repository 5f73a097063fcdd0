// Proves the harness: a real Temporal dev server answers, a worker on this test's task queue runs
// a seerRun to completion, and describe() reads back its search attributes.
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { RunType } from '../../src/domain';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import { connectClient, runInput, startTestWorker, type TestWorker } from '../support/temporal';
import type { Client } from '@temporalio/client';

let fake: FakeSeer;
let worker: TestWorker;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  fake = await startFakeSeer({ sharedSecret: 'smoke' });
  worker = await startTestWorker({ seerUrl: fake.url, sharedSecret: 'smoke' });
  ({ client, close: closeClient } = await connectClient());
});
afterAll(async () => {
  await worker?.stop();
  await closeClient?.();
  await fake?.close();
});

it('talks to a real Temporal server (1.29.1) with the spec search attributes registered', async () => {
  const info = await client.connection.workflowService.getSystemInfo({});
  expect(info.serverVersion).toBe('1.29.1');
  const attrs = await client.connection.operatorService.listSearchAttributes({
    namespace: 'default',
  });
  expect(Object.keys(attrs.customAttributes ?? {})).toEqual(
    expect.arrayContaining([
      'SeerRunType',
      'SeerOrganizationId',
      'SeerProjectId',
      'SeerRunStatus',
      'SeerRunId',
      'SeerFailureReason',
      'SeerRunAttempts',
    ]),
  );
});

it('runs a seerRun to completion and reads it back with describe()', async () => {
  const input = runInput({
    type: RunType.assisted_query,
    organization_id: 7,
    request: {
      org_id: 7,
      org_slug: 'acme',
      project_ids: [],
      natural_language_query: 'slow pages',
      strategy: 'default',
    },
  });
  const handle = await startSeerRunWorkflow(client, worker.taskQueue, input, {
    body_sha256: 'smoke',
  });
  const result = await handle.result();
  const description = await handle.describe();
  expect(description.status.name).toBe('COMPLETED');
  expect(description.type).toBe('seerRun');
  expect(description.taskQueue).toBe(worker.taskQueue);
  expect(description.typedSearchAttributes.getAll()).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        key: expect.objectContaining({ name: 'SeerRunStatus' }),
        value: 'LIVE',
      }),
      expect.objectContaining({
        key: expect.objectContaining({ name: 'SeerRunId' }),
        value: result.run_id,
      }),
      expect.objectContaining({
        key: expect.objectContaining({ name: 'SeerOrganizationId' }),
        value: 7,
      }),
    ]),
  );
  expect(fake.state.runs).toEqual([
    expect.objectContaining({ key: input.run_uuid, run_id: result.run_id }),
  ]);
});
