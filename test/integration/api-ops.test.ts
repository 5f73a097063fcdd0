// The operations side of the API: /healthz, /readyz, /metrics, /openapi.json, request ids, the
// error handler's 5xx answer, and graceful shutdown (in-flight requests finish, up to a bound).
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { buildApp } from '../../src/api/app';
import { startServer } from '../../src/api/server';
import { loadConfig } from '../../src/config';
import { ApiConnection } from '../../src/temporal/client/api-connection';
import { RunGateway } from '../../src/temporal/client/gateway';
import { freePort } from '../../src/temporal/dev-server';
import { bodyOf, ROUTE, startApi, uniqueOrgId, type ApiHarness } from '../support/api';
import { eventually, startEntry } from '../support/processes';
import { testLogger, testServer } from '../support/temporal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('operations routes', () => {
  const stops: Array<() => Promise<void>> = [];
  async function api(options: Parameters<typeof startApi>[0] = {}): Promise<ApiHarness> {
    const harness = await startApi(options);
    stops.push(() => harness.stop());
    return harness;
  }
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  it('/healthz answers 200 while the process is up, whatever Temporal does', async () => {
    const down = await api({ temporalAddress: '127.0.0.1:1', noWorker: true });
    const res = await down.call('GET', '/healthz', { token: null });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when Temporal answers and a worker polls the task queue', async () => {
    const up = await api();
    const res = await up.call('GET', '/readyz', { token: null });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', task_queue: up.config.temporal.taskQueue });
    expect(res.body.pollers).toBeGreaterThanOrEqual(1);
  });

  it('/readyz is 503 naming the task queue when no worker polls it', async () => {
    const idle = await api({ noWorker: true });
    const res = await idle.call('GET', '/readyz', { token: null });

    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'not_ready', pollers: 0 });
    expect(res.body.detail).toContain(idle.config.temporal.taskQueue);
  });

  it("/readyz is 503 once the last worker was SIGKILLed: a poller whose last poll is stale doesn't count, though Temporal still lists it", async () => {
    const { address, namespace, bundlePath } = testServer();
    const taskQueue = `readyz-${randomUUID()}`;
    const worker = startEntry('src/worker.ts', {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SEER_URL: 'http://127.0.0.1:9',
      SEER_SHARED_SECRET: 'readyz-secret',
      WORKER_METRICS_PORT: String(await freePort()),
      WORKFLOW_BUNDLE_PATH: bundlePath,
    });
    stops.push(async () => void (await worker.kill('SIGKILL')));
    // A threshold of seconds, not the default 75 s, so the test need not wait for it.
    const watched = await api({
      noWorker: true,
      env: { TEMPORAL_TASK_QUEUE: taskQueue },
      stalePollerMs: 4_000,
    });
    const readyz = () => watched.call('GET', '/readyz', { token: null });
    await eventually(
      'the worker to poll',
      async () => (await readyz()).status === 200 || undefined,
    );

    await worker.kill('SIGKILL');
    const res = await eventually('/readyz to answer 503', async () => {
      const answer = await readyz();
      return answer.status === 503 ? answer : undefined;
    });
    expect(res.body).toMatchObject({ error: 'not_ready', temporal: 'ok', pollers: 0 });
    expect(res.body.detail).toContain(taskQueue);
    const listed = await watched.temporal.connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: {
        name: taskQueue,
        kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
      },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    expect(listed.pollers.length).toBeGreaterThanOrEqual(1);
  });

  it('/readyz is 503 naming Temporal when it does not answer', async () => {
    const down = await api({ temporalAddress: '127.0.0.1:1', noWorker: true });
    const res = await down.call('GET', '/readyz', { token: null });

    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'not_ready', temporal: 'unreachable' });
    expect(res.body.detail).toContain('Temporal');
  });

  it('GET and list answer 503 temporal_unavailable when Temporal does not answer', async () => {
    const down = await api({ temporalAddress: '127.0.0.1:1', noWorker: true });
    const org = uniqueOrgId();
    const answers = await Promise.all([
      down.call('GET', `/v1/organizations/${org}/seer-runs/3b241101-e2bb-4255-8caf-4136c566a962`),
      down.call('GET', `/v1/organizations/${org}/seer-runs`),
    ]);

    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('temporal_unavailable');
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    }
  });

  it('/metrics counts requests by route and status, runs started by type and path, and sync waits', async () => {
    const up = await api();
    const org = uniqueOrgId();
    await up.post(org, bodyOf('explorer'));
    await up.post(org, { type: 'explorer' });
    const res = await up.call('GET', '/metrics', { token: null });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const route = 'route="/v1/organizations/:organization_id/seer-runs"';
    expect(res.text).toContain(
      `seer_runs_api_requests_total{method="POST",${route},status="201"} 1`,
    );
    expect(res.text).toContain(
      `seer_runs_api_requests_total{method="POST",${route},status="400"} 1`,
    );
    expect(res.text).toMatch(
      /seer_runs_api_request_duration_seconds_count\{method="POST",route="[^"]+",status="201"\} 1/,
    );
    expect(res.text).toContain('seer_runs_api_runs_started_total{type="explorer",path="mirror"} 1');
    expect(res.text).toContain('seer_runs_api_sync_waits_total{outcome="live_created"} 1');
  });

  it('/metrics counts only the runs this API created as started (201); joins are counted apart', async () => {
    const up = await api();
    const org = uniqueOrgId();
    const headers = { 'idempotency-key': 'joined' };
    const created = await up.post(org, bodyOf('explorer'), { headers });
    const joined = await up.post(org, bodyOf('explorer'), { headers });
    const retried = await up.post(org, bodyOf('explorer', { retry_token: created.body.run_uuid }));
    expect([created.status, joined.status, retried.status]).toEqual([201, 200, 200]);
    const res = await up.call('GET', '/metrics', { token: null });

    expect(res.text).toContain('seer_runs_api_runs_started_total{type="explorer",path="mirror"} 1');
    expect(res.text).toContain('seer_runs_api_runs_joined_total{type="explorer"} 2');
  });

  it('/openapi.json documents the run and operations routes from their zod schemas', async () => {
    const up = await api({ noWorker: true });
    const res = await up.call('GET', '/openapi.json', { token: null });

    expect(res.status).toBe(200);
    const doc = res.body as unknown as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: object }>>;
    };
    const runs = doc.paths['/v1/organizations/{organization_id}/seer-runs'];
    expect(runs?.post?.requestBody).toBeDefined();
    expect(Object.keys(runs?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '201']),
    );
    expect(runs?.get).toBeDefined();
    expect(
      doc.paths['/v1/organizations/{organization_id}/seer-runs/{run_uuid}']?.get,
    ).toBeDefined();
    expect(doc.paths['/healthz']?.get).toBeDefined();
  });

  it('every answer carries its request id in X-Request-Id', async () => {
    const up = await api({ noWorker: true });
    const answers = await Promise.all([
      up.call('GET', '/healthz', { token: null }),
      up.call('GET', '/nowhere'),
      up.post(uniqueOrgId(), { type: 'explorer' }),
    ]);

    for (const res of answers) expect(res.headers.get('x-request-id')).toMatch(UUID);
    expect(answers[1]).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });
});

describe('the error handler', () => {
  it("answers an unexpected failure with 500 internal_error and the request id, never the error's message", async () => {
    const config = loadConfig({ SEER_RUN_MIRROR_ORGS: '', LOG_LEVEL: 'silent' });
    const connection = ApiConnection.lazy({ address: '127.0.0.1:1' });
    const app = buildApp({
      config,
      runs: new RunGateway({
        client: new Client({ connection }),
        taskQueue: config.temporal.taskQueue,
        pageTokenKey: config.pageTokenKey,
        logger: testLogger,
      }),
      seer: {
        startRun: () => Promise.reject(new Error('secret: db password is hunter2')),
      },
      logger: testLogger,
    });
    const server = await startServer(app, { host: '127.0.0.1', port: 0, syncWaitTimeoutMs: 1_000 });
    try {
      const res = await fetch(`${server.url}/v1/organizations/${uniqueOrgId()}/seer-runs`, {
        method: 'POST',
        headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
        body: JSON.stringify(bodyOf('explorer')),
      });
      const text = await res.text();

      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toEqual({
        error: 'internal_error',
        detail: expect.any(String),
        request_id: res.headers.get('x-request-id'),
      });
      expect(text).not.toContain('hunter2');
    } finally {
      await server.close();
      await connection.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, and lets a request in flight finish with its answer', async () => {
    const api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '1000' } });
    try {
      api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
      const inFlight = api.post(uniqueOrgId(), bodyOf('explorer'));
      await eventuallySeen(api);
      const closed = api.server.close();

      await expect(api.call('GET', '/healthz', { token: null })).rejects.toThrow();
      const res = await inFlight;
      await closed;
      expect(res.status).toBe(500);
      expect(res.body.error).toBe('seer_run_pending');
    } finally {
      await api.stop();
    }
  });

  it('cuts requests still in flight when the shutdown timeout ends', async () => {
    const api = await startApi({ shutdownTimeoutMs: 200 });
    try {
      api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
      const inFlight = api.post(uniqueOrgId(), bodyOf('explorer'));
      await eventuallySeen(api);
      const started = Date.now();
      await api.server.close();

      expect(Date.now() - started).toBeLessThan(2_000);
      await expect(inFlight).rejects.toThrow();
    } finally {
      await api.stop();
    }
  });
});

/** Until the fake Seer has the POST's request: the POST is then in flight. */
async function eventuallySeen(api: ApiHarness): Promise<void> {
  while (api.fakeSeer.state.requests.length === 0) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
