// The cluster suite: the API's user-visible paths on the production-shaped cluster (PostgreSQL,
// Temporal's four services behind mTLS, two workers and two API replicas from the compiled build),
// each crossing both replicas. One cluster for the file; its tests run in order and share it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bodyOf, eventually, ROUTE, uniqueOrgId, type ApiResponse } from '../support/api';
import { CODEC_TOKEN, startTestCluster, type TestCluster } from '../support/cluster';
import { withPayloadText } from '../support/runs';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '../..');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Short, so a run that waits out one Retry-After answers 500 first (the cluster's default is 10 s). */
const SYNC_WAIT_MS = 3_000;

jest.setTimeout(60_000);

let stack: TestCluster;

beforeAll(async () => {
  const started = Date.now();
  stack = await startTestCluster({ SYNC_WAIT_TIMEOUT_MS: String(SYNC_WAIT_MS) });
  process.stdout.write(
    `cluster up in ${Date.now() - started} ms (${JSON.stringify(stack.cluster.timings)})\n`,
  );
}, 240_000);
afterAll(async () => {
  await stack?.stop();
}, 120_000);

/** The requests and runs the fake Seer saw for one run (its external idempotency key). */
async function seerSaw(runUuid: string): Promise<{ requests: number; runs: number }> {
  const [requests, runs] = await Promise.all([stack.seer.requests(), stack.seer.runs()]);
  return {
    requests: requests.filter((request) => request.key === runUuid).length,
    runs: runs.filter((run) => run.key === runUuid).length,
  };
}

it('runs every process the issue names, each its own pid', () => {
  expect(stack.cluster.list().map((child) => child.name)).toEqual([
    'postgres',
    'history',
    'matching',
    'frontend',
    'temporal-worker',
    'codec',
    'fake-seer',
    'worker-1',
    'worker-2',
    'api-1',
    'api-2',
  ]);
  const pids = stack.cluster.list().map((child) => child.pid);
  expect(new Set(pids).size).toBe(pids.length);
});

it('/readyz on both replicas: ready, Temporal reached over mTLS, both workers and the embedded workers of both APIs polling', async () => {
  for (const api of stack.apis) {
    const ready = await eventually(async () => {
      const res = await api.call('GET', '/readyz', { token: null });
      expect([api.name, res.status]).toEqual([api.name, 200]);
      // Four processes poll (both workers, both APIs' embedded workers), but describeTaskQueue
      // lists the pollers its root partition saw lately: between two and four of them.
      expect(res.body.pollers).toBeGreaterThanOrEqual(2);
      expect(res.body.pollers).toBeLessThanOrEqual(4);
      return res;
    }, 30_000);
    expect(ready.body).toEqual({
      status: 'ready',
      temporal: 'ok',
      task_queue: stack.cluster.config.temporal.taskQueue,
      pollers: expect.any(Number),
    });
  }
});

it('a run made LIVE through api-1 reads the same through GET on both replicas', async () => {
  const [api1, api2] = stack.apis;
  const org = uniqueOrgId();
  const created = await api1.post(org, bodyOf('explorer', { project_id: 11 }));

  expect(created.status).toBe(201);
  expect(created.body).toEqual({
    run_id: expect.any(Number),
    run_uuid: expect.stringMatching(UUID),
    status: 'LIVE',
  });
  expect(created.headers.get('location')).toBe(
    `/v1/organizations/${org}/seer-runs/${created.body.run_uuid}`,
  );
  const path = `/v1/organizations/${org}/seer-runs/${created.body.run_uuid}`;
  const [read1, read2] = await Promise.all([api1.call('GET', path), api2.call('GET', path)]);
  expect(read2.status).toBe(200);
  expect(read2.body).toEqual({
    run_uuid: created.body.run_uuid,
    type: 'explorer',
    organization_id: org,
    project_id: 11,
    status: 'LIVE',
    run_id: created.body.run_id,
    failure: null,
    attempts: 1,
    started_at: expect.any(String),
    closed_at: expect.any(String),
  });
  expect(read1.body).toEqual(read2.body);
  expect(await seerSaw(created.body.run_uuid)).toEqual({ requests: 1, runs: 1 });
});

it('a run Seer rejects with a 400 answers 502 seer_rejected and reads FAILED on the other replica', async () => {
  const [api1, api2] = stack.apis;
  const org = uniqueOrgId();
  await stack.seer.queueFaults(ROUTE.explorer, [{ status: 400, body: '{"detail":"bad"}' }]);
  const res = await api2.post(org, bodyOf('explorer'));

  expect(res.status).toBe(502);
  expect(res.body).toEqual({
    error: 'seer_rejected',
    detail: expect.any(String),
    run_uuid: expect.stringMatching(UUID),
    reason: 'seer_rejected',
    seer_status: 400,
  });
  const got = await api1.call('GET', `/v1/organizations/${org}/seer-runs/${res.body.run_uuid}`);
  expect(got.body).toMatchObject({
    status: 'FAILED',
    run_id: null,
    attempts: 1,
    failure: { reason: 'seer_rejected', seer_status: 400 },
  });
  expect(await seerSaw(res.body.run_uuid)).toEqual({ requests: 1, runs: 0 });
});

it('a run that heals after the sync wait answers 500 with a retry_token, which api-2 resumes to 200 LIVE', async () => {
  const [api1, api2] = stack.apis;
  const org = uniqueOrgId();
  // Seer's Retry-After outlasts the sync wait: the run heals on its second request, ~5 s in.
  await stack.seer.queueFaults(ROUTE.explorer, [
    { status: 503, headers: { 'retry-after': String((SYNC_WAIT_MS + 2_000) / 1_000) } },
  ]);
  const pending = await api1.post(org, bodyOf('explorer'));

  expect(pending.status).toBe(500);
  expect(pending.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(pending.body).toEqual({
    error: 'seer_run_pending',
    detail: expect.any(String),
    retry_token: expect.stringMatching(UUID),
  });
  const token = pending.body.retry_token;

  // Each retry waits up to the sync wait again: still pending, it answers 500 with the same token.
  const retried = await eventually(async () => {
    const res = await api2.post(org, bodyOf('explorer', { retry_token: token }));
    if (res.status === 500) expect(res.body.retry_token).toBe(token);
    expect(res.status).toBe(200);
    return res;
  }, 30_000);
  expect(retried.body).toEqual({ run_id: expect.any(Number), run_uuid: token, status: 'LIVE' });
  const got = await api1.call('GET', `/v1/organizations/${org}/seer-runs/${token}`);
  expect(got.body).toMatchObject({ status: 'LIVE', run_id: retried.body.run_id, attempts: 2 });
  expect(await seerSaw(token)).toEqual({ requests: 2, runs: 1 });
});

it('concurrent duplicates of one Idempotency-Key sent to both replicas make one run and one Seer run', async () => {
  const org = uniqueOrgId();
  const body = bodyOf('autofix');
  const headers = { 'idempotency-key': `across-replicas-${org}` };
  const answers: ApiResponse[] = await Promise.all(
    [...stack.apis, ...stack.apis, ...stack.apis].map((api) => api.post(org, body, { headers })),
  );

  expect(answers.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
  const uuids = new Set(answers.map((res) => res.body.run_uuid));
  expect(uuids.size).toBe(1);
  const [runUuid] = [...uuids];
  for (const res of answers) {
    expect(res.body).toEqual({
      run_id: answers[0]!.body.run_id,
      run_uuid: runUuid,
      status: 'LIVE',
    });
  }
  expect(await seerSaw(runUuid!)).toEqual({ requests: 1, runs: 1 });
  const reused = await stack.apis[1].post(org, bodyOf('explorer'), { headers });
  expect(reused.status).toBe(422);
  expect(reused.body).toMatchObject({ error: 'idempotency_key_reused', run_uuid: runUuid });
});

describe('the list on SQL visibility, across replicas', () => {
  const org = uniqueOrgId();
  let made: Record<'explorer1' | 'explorer2' | 'query' | 'autofixRejected' | 'prReview', string>;

  beforeAll(async () => {
    const [api1, api2] = stack.apis;
    await stack.seer.queueFaults(ROUTE.autofix, [{ status: 400 }]);
    // In turn, so each closes at its own time: the list's order is theirs.
    const uuid = async (res: Promise<ApiResponse>) => (await res).body.run_uuid;
    made = {
      explorer1: await uuid(api1.post(org, bodyOf('explorer'))),
      explorer2: await uuid(api2.post(org, bodyOf('explorer'))),
      query: await uuid(api1.post(org, bodyOf('assisted_query'))),
      autofixRejected: await uuid(api2.post(org, bodyOf('autofix'))),
      prReview: await uuid(api1.post(org, bodyOf('pr_review'))),
    };
  });

  async function listed(api: number, query: string): Promise<string[]> {
    const res = await stack.apis[api]!.call('GET', `/v1/organizations/${org}/seer-runs?${query}`);
    expect(res.status).toBe(200);
    return res.body.runs.map((run) => run.run_uuid).sort();
  }

  it('filters by status and by type return exactly the runs made, on either replica', async () => {
    const expected: Array<[string, string[]]> = [
      ['', Object.values(made)],
      ['status=LIVE', [made.explorer1, made.explorer2, made.query]],
      ['status=FAILED', [made.autofixRejected, made.prReview]],
      ['status=PENDING', []],
      ['type=explorer', [made.explorer1, made.explorer2]],
      ['type=autofix&status=FAILED', [made.autofixRejected]],
      ['type=explorer&status=FAILED', []],
    ];
    // Visibility is eventually consistent: poll until every filter agrees on both replicas.
    await eventually(async () => {
      for (const [query, uuids] of expected) {
        for (const api of [0, 1]) {
          expect([api, query, await listed(api, query)]).toEqual([api, query, [...uuids].sort()]);
        }
      }
    }, 30_000);
  });

  it('a burst of 40 list requests over both replicas all answer 200 (visibility RPS raised in deploy/)', async () => {
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        stack.apis[i % 2]!.call('GET', `/v1/organizations/${org}/seer-runs?page_size=1`),
      ),
    );
    expect(burst.map((res) => res.status)).toEqual(Array.from({ length: 40 }, () => 200));
  });

  it('pages with page_size=2, each page token handed out by one replica and used on the other', async () => {
    await eventually(async () => expect(await listed(0, '')).toHaveLength(5), 30_000);
    const pages: string[][] = [];
    const closedAt: string[] = [];
    let token: string | null = null;
    do {
      const api = stack.apis[pages.length % 2]!;
      const query: string = `page_size=2${token === null ? '' : `&next_page_token=${token}`}`;
      const res = await api.call('GET', `/v1/organizations/${org}/seer-runs?${query}`);
      expect([api.name, res.status]).toEqual([api.name, 200]);
      pages.push(res.body.runs.map((run) => run.run_uuid));
      closedAt.push(...res.body.runs.map((run) => run.closed_at!));
      token = res.body.next_page_token;
    } while (token !== null && pages.length < 5);

    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().sort()).toEqual(Object.values(made).sort());
    // Every run is closed: newest closed first, as on the dev server.
    expect(closedAt).toEqual([...closedAt].sort().reverse());
    expect(pages.flat()[0]).toBe(made.prReview);
  });

  it("a filtered list pages across replicas too, and refuses another filter's token", async () => {
    await eventually(async () => expect(await listed(1, 'status=LIVE')).toHaveLength(3), 30_000);
    const [api1, api2] = stack.apis;
    const first = await api2.call(
      'GET',
      `/v1/organizations/${org}/seer-runs?status=LIVE&page_size=2`,
    );
    const token = first.body.next_page_token!;
    const second = await api1.call(
      'GET',
      `/v1/organizations/${org}/seer-runs?status=LIVE&page_size=2&next_page_token=${token}`,
    );

    expect(second.body.runs).toHaveLength(1);
    expect(second.body.next_page_token).toBeNull();
    expect([...first.body.runs, ...second.body.runs].map((run) => run.run_uuid).sort()).toEqual(
      [made.explorer1, made.explorer2, made.query].sort(),
    );
    const other = await api1.call(
      'GET',
      `/v1/organizations/${org}/seer-runs?status=FAILED&next_page_token=${token}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.issues).toEqual([{ path: 'next_page_token', message: expect.any(String) }]);
  });

  // The cluster serves no Web UI: the UI is a separate server (temporalio/ui-server) that is not
  // provisioned here. An operator reads runs with the CLI instead, over the same mTLS.
  it('the temporal CLI over mTLS lists the organization by search attribute and describes a run', async () => {
    const query = `SeerOrganizationId=${org} AND SeerRunStatus="FAILED"`;
    const out = await eventually(async () => {
      const text = await stack.cli('workflow', 'list', '--query', query, '--output', 'json');
      const ids = (JSON.parse(text) as Array<{ execution: { workflowId: string } }>)
        .map((row) => row.execution.workflowId)
        .sort();
      expect(ids).toEqual([made.autofixRejected, made.prReview].sort());
      return text;
    }, 30_000);
    expect(out).toContain('seerRun');

    const described = JSON.parse(
      await stack.cli('workflow', 'describe', '--workflow-id', made.explorer1, '--output', 'json'),
    ) as { workflowExecutionInfo: { status: string; searchAttributes: unknown } };
    expect(described.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    expect(JSON.stringify(described.workflowExecutionInfo.searchAttributes)).toContain(
      'SeerRunStatus',
    );
  });

  it('the CLI decodes a run through the cluster codec server; without it the payloads stay encrypted', async () => {
    const show = (...extra: string[]) =>
      stack.cli(
        'workflow',
        'show',
        '--workflow-id',
        made.autofixRejected,
        '--output',
        'json',
        ...extra,
      );
    const decoded = withPayloadText(
      await show(
        '--codec-endpoint',
        stack.cluster.codecUrl,
        '--codec-auth',
        `Bearer ${CODEC_TOKEN}`,
      ),
    );
    expect(decoded).toContain('TypeError');
    expect(decoded).toContain('seer_rejected');
    const raw = withPayloadText(await show());
    expect(raw).not.toContain('TypeError');
    expect(raw).toContain(Buffer.from('binary/encrypted').toString('base64'));
  });
});

it('refuses a Temporal client without a certificate', async () => {
  const withoutCert = { TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' };
  await expect(stack.cliWith(withoutCert, 'operator', 'namespace', 'list')).rejects.toThrow();
  const out = await stack.cli(
    'operator',
    'namespace',
    'describe',
    '--namespace',
    stack.cluster.namespace,
  );
  expect(out).toContain('168h');
});

it.each([
  ['worker', 'dist/src/worker.js'],
  ['api', 'dist/src/api/main.js'],
])(
  'the compiled %s stops at start with one line naming the TLS variable of a wrong key',
  async (_name, entry) => {
    const { cluster } = stack;
    const env = {
      ...process.env,
      ...cluster.tlsEnv,
      // The CA's key is a valid key, but not the client certificate's.
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(
        cluster.tlsEnv.TEMPORAL_TLS_CLIENT_CERT_PATH!,
        '../ca.key',
      ),
      SEER_URL: cluster.seerUrl,
      PORT: '0',
      WORKER_METRICS_PORT: '0',
    };
    const failed = await execFileAsync(process.execPath, [entry], { cwd: ROOT, env }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    const stderr = failed!.stderr.trim().split('\n');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/failed: TEMPORAL_TLS_CLIENT_KEY_PATH: .*ca\.key is not the key of/);
  },
);
