// The API's embedded worker (API_EMBEDDED_WORKER, on by default): the API process runs a worker on
// the NativeConnection its starts and waits go through, so starts are eager and runs go LIVE with
// no worker process at all. It connects in the background: an API started before Temporal serves
// 503s, then starts eagerly once Temporal answers.
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { freePort } from '../../src/temporal/dev-server';
import { ROUTE } from '../support/api';
import { eventually, startEntry, type EntryProcess } from '../support/processes';
import { connectClient, testServer } from '../support/temporal';

const SECRET = 'embedded-secret';
const SYNC_WAIT_MS = 2_000;
let fake: FakeSeer;
const started: EntryProcess[] = [];
const sockets = new Set<Socket>();
let forwarder: Server | undefined;

beforeAll(async () => {
  fake = await startFakeSeer({ sharedSecret: SECRET });
});
afterAll(async () => {
  await Promise.all(started.map((api) => api.kill('SIGKILL')));
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => (forwarder ? forwarder.close(resolve) : resolve(undefined)));
  await fake?.close();
});

/** The API process with the default topology (no API_EMBEDDED_WORKER set), Temporal at `address`. */
async function startApi(
  address: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ api: EntryProcess; url: string }> {
  const { namespace, bundlePath } = testServer();
  const port = await freePort();
  const api = startEntry('src/api/main.ts', {
    PORT: String(port),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `embedded-${randomUUID()}`,
    SEER_URL: fake.url,
    SEER_SHARED_SECRET: SECRET,
    API_EMBEDDED_WORKER: undefined,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    SYNC_WAIT_TIMEOUT_MS: String(SYNC_WAIT_MS),
    ...env,
  });
  started.push(api);
  return { api, url: `http://127.0.0.1:${port}` };
}

function postRun(url: string, query: string): Promise<Response> {
  return fetch(`${url}/v1/organizations/3/seer-runs`, {
    method: 'POST',
    headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'explorer', request: { query } }),
  });
}

async function eagerStarts(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(/^seer_runs_api_eager_starts_total (\d+)$/m.exec(metrics)?.[1] ?? NaN);
}

describe('by default', () => {
  let api: EntryProcess;
  let url: string;
  beforeAll(async () => {
    ({ api, url } = await startApi(testServer().address, {
      SEER_RUNS_ORG_WEIGHTS: JSON.stringify({ 3: 4 }),
    }));
    await eventually('the API to be ready', async () => (await fetch(`${url}/readyz`)).ok, 30_000);
  });

  it("creates runs with no worker process, starting them eagerly with the organization's priority", async () => {
    const runsBefore = fake.state.runs.length;
    const uuids: string[] = [];
    for (const query of ['first', 'second']) {
      const response = await postRun(url, query);
      expect(response.status).toBe(201);
      const body = (await response.json()) as { status: string; run_uuid: string };
      expect(body).toMatchObject({ status: 'LIVE' });
      uuids.push(body.run_uuid);
    }
    expect(fake.state.runs.length - runsBefore).toBe(2);
    expect(await eagerStarts(url)).toBe(2);
    expect(api.output()).toContain('embedded worker started');

    const { client, close } = await connectClient();
    try {
      for (const uuid of uuids) {
        const description = await client.workflow.getHandle(uuid).describe();
        expect(description.raw.workflowExecutionInfo?.priority).toMatchObject({
          fairnessKey: '3',
          fairnessWeight: 4,
        });
      }
    } finally {
      await close();
    }
  });

  it('answers 500 with a retry_token at the sync wait while the eagerly started run waits on Seer', async () => {
    // The run heals on its second request, after the sync wait: the POST must not wait for it.
    fake.state.queueFaults(ROUTE.explorer, [
      { status: 503, headers: { 'retry-after': String((SYNC_WAIT_MS + 2_000) / 1_000) } },
    ]);
    const sent = Date.now();
    const response = await postRun(url, 'heals after the sync wait');
    const tookMs = Date.now() - sent;
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: 'seer_run_pending' });
    expect(tookMs).toBeGreaterThanOrEqual(SYNC_WAIT_MS);
    expect(tookMs).toBeLessThan(SYNC_WAIT_MS + 1_000);
  });

  it('drains its worker and stops cleanly on SIGTERM', async () => {
    const exit = await api.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(api.output()).toContain('API stopped');
  });
});

it('starts before Temporal does: 503 while Temporal is away, then eager starts once it answers', async () => {
  const port = await freePort();
  const { api, url } = await startApi(`127.0.0.1:${port}`);
  await eventually('the API to listen', () => api.output().includes('API listening'), 30_000);
  expect((await fetch(`${url}/readyz`)).status).toBe(503);
  const away = await postRun(url, 'while Temporal is away');
  expect(away.status).toBe(503);
  expect(await away.json()).toMatchObject({ error: 'temporal_unavailable' });
  expect(api.output()).toContain('embedded worker: Temporal does not answer yet');

  // Temporal "comes up": a TCP forwarder to the suite's server on the address the API was given.
  const [host, serverPort] = testServer().address.split(':') as [string, string];
  forwarder = createServer((inbound) => {
    const outbound = connect(Number(serverPort), host);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => forwarder!.listen(port, '127.0.0.1', resolve));

  await eventually('the embedded worker to start', () =>
    api.output().includes('embedded worker started'),
  );
  await eventually('the API to be ready', async () => (await fetch(`${url}/readyz`)).ok, 30_000);
  const response = await postRun(url, 'once Temporal answers');
  expect(response.status).toBe(201);
  expect(await response.json()).toMatchObject({ status: 'LIVE' });
  expect(await eagerStarts(url)).toBe(1);
});
