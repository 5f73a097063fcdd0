// API_EMBEDDED_WORKER=on, the deployment mode for eager starts: the API process runs a worker on
// the NativeConnection its starts go through, so runs go LIVE with no worker process at all.
import { randomUUID } from 'node:crypto';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { freePort } from '../../src/temporal/dev-server';
import { eventually, startEntry, type EntryProcess } from '../support/processes';
import { testServer } from '../support/temporal';

const SECRET = 'embedded-secret';
let fake: FakeSeer;
let api: EntryProcess;
let url: string;

beforeAll(async () => {
  fake = await startFakeSeer({ sharedSecret: SECRET });
  const { address, namespace, bundlePath } = testServer();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  api = startEntry('src/api/main.ts', {
    PORT: String(port),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `embedded-${randomUUID()}`,
    SEER_URL: fake.url,
    SEER_SHARED_SECRET: SECRET,
    API_EMBEDDED_WORKER: 'on',
    WORKFLOW_BUNDLE_PATH: bundlePath,
  });
  await eventually('the API to be ready', async () => (await fetch(`${url}/readyz`)).ok, 30_000);
});
afterAll(async () => {
  await api?.kill('SIGTERM');
  await fake?.close();
});

it('creates runs with no worker process, starting them eagerly', async () => {
  for (const query of ['first', 'second']) {
    const response = await fetch(`${url}/v1/organizations/3/seer-runs`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'explorer', request: { query } }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ status: 'LIVE' });
  }
  expect(fake.state.runs).toHaveLength(2);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  expect(metrics).toMatch(/^seer_runs_api_eager_starts_total 2$/m);
  expect(api.output()).toContain('embedded worker started');
});

it('drains its worker and stops cleanly on SIGTERM', async () => {
  const exit = await api.kill('SIGTERM');
  expect(exit).toEqual({ code: 0, signal: null });
  expect(api.output()).toContain('API stopped');
});
