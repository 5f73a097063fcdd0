// GET one run and list an organization's runs, read from Temporal's description and visibility
// store: fields, closed states, case-insensitive UUIDs, filters and paging, with no worker needed.
import { createHash, randomUUID } from 'node:crypto';
import { listQuery } from '../../src/temporal/client/list';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import type { SeerRunView } from '../../src/domain';
import { bodyOf, eventually, ROUTE, startApi, uniqueOrgId, type ApiHarness } from '../support/api';
import { GrpcCalls, TemporalMethod } from '../support/grpc-calls';
import { runInput } from '../support/temporal';

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('GET one run', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '3000' } });
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  it('reads a LIVE run with every field, times in RFC 3339 UTC', async () => {
    const created = await api.post(org, bodyOf('explorer', { project_id: 9 }));
    const res = await api.call(
      'GET',
      `/v1/organizations/${org}/seer-runs/${created.body.run_uuid}`,
    );

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      run_uuid: created.body.run_uuid,
      type: 'explorer',
      organization_id: org,
      project_id: 9,
      status: 'LIVE',
      run_id: created.body.run_id,
      failure: null,
      attempts: 1,
      started_at: expect.stringMatching(RFC3339_UTC),
      closed_at: expect.stringMatching(RFC3339_UTC),
    } satisfies Record<keyof SeerRunView, unknown>);
    expect(Date.parse(res.body.closed_at!)).toBeGreaterThanOrEqual(Date.parse(res.body.started_at));
  });

  it('reads a run waiting out a retry as PENDING, counting the requests already sent', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ status: 503, headers: { 'retry-after': '30' } }]);
    const pending = await api.post(org, bodyOf('explorer'));
    expect(pending.status).toBe(500);

    const res = await eventually(async () => {
      const got = await api.call(
        'GET',
        `/v1/organizations/${org}/seer-runs/${pending.body.retry_token}`,
      );
      expect(got.body.attempts).toBe(1);
      return got;
    });
    expect(res.body).toMatchObject({
      status: 'PENDING',
      run_id: null,
      failure: null,
      closed_at: null,
    });
  });

  it('answers with no worker running, and matches the UUID case-insensitively', async () => {
    const created = await api.post(org, bodyOf('assisted_query'));
    await api.stopWorker();
    const res = await api.call(
      'GET',
      `/v1/organizations/${org}/seer-runs/${created.body.run_uuid.toUpperCase()}`,
    );

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      run_uuid: created.body.run_uuid,
      status: 'LIVE',
      run_id: created.body.run_id,
      attempts: 1,
    });
  });

  it("is 404 run_not_found for an unknown run and for another organization's", async () => {
    const created = await api.post(org, bodyOf('explorer'));
    const unknown = await api.call('GET', `/v1/organizations/${org}/seer-runs/${randomUUID()}`);
    const elsewhere = await api.call(
      'GET',
      `/v1/organizations/${uniqueOrgId()}/seer-runs/${created.body.run_uuid}`,
    );

    expect([unknown.status, elsewhere.status]).toEqual([404, 404]);
    expect(unknown.body).toEqual({ error: 'run_not_found', detail: expect.any(String) });
    expect(elsewhere.body.error).toBe('run_not_found');
  });
});

describe("listing an organization's runs", () => {
  let api: ApiHarness;
  let org: number;
  /** run_uuid by what the test made it to be. */
  let made: Record<
    'explorerLive' | 'queryLive' | 'autofixRejected' | 'prReview' | 'pending' | 'terminated',
    string
  >;

  beforeEach(async () => {
    api = await startApi();
    org = uniqueOrgId();
    api.fakeSeer.queueFaults(ROUTE.autofix, [{ status: 400 }]);
    // Both runs started directly wait: one in a 30 s backoff, one on a Seer that never answers.
    api.fakeSeer.queueFaults(ROUTE.feature_run, [
      { status: 503, headers: { 'retry-after': '30' } },
      { hang: true },
    ]);
    const [explorerLive, queryLive, autofixRejected, prReview] = await Promise.all(
      (['explorer', 'assisted_query', 'autofix', 'pr_review'] as const).map(async (type) => {
        const res = await api.post(org, bodyOf(type));
        return res.body.run_uuid;
      }),
    );
    const feature = () =>
      runInput({
        type: 'feature_run',
        organization_id: org,
        request: { feature_id: 'f', payload: {} },
      });
    const [pending, terminated] = [feature(), feature()];
    for (const input of [pending, terminated]) {
      await startSeerRunWorkflow(api.temporal, api.config.temporal.taskQueue, input, {
        body_sha256: 'direct',
      });
    }
    await api.temporal.workflow.getHandle(terminated.run_uuid).terminate('test');
    made = {
      explorerLive: explorerLive!,
      queryLive: queryLive!,
      autofixRejected: autofixRejected!,
      prReview: prReview!,
      pending: pending.run_uuid,
      terminated: terminated.run_uuid,
    };
  });
  afterEach(async () => {
    await api.stop();
  });

  async function listed(query: string): Promise<string[]> {
    const res = await api.call('GET', `/v1/organizations/${org}/seer-runs?${query}`);
    expect(res.status).toBe(200);
    return res.body.runs.map((run) => run.run_uuid).sort();
  }

  it('filters by status and type return exactly the runs made', async () => {
    const expected: Array<[string, string[]]> = [
      ['', Object.values(made)],
      ['status=LIVE', [made.explorerLive, made.queryLive]],
      ['status=FAILED', [made.autofixRejected, made.prReview, made.terminated]],
      ['status=PENDING', [made.pending]],
      ['type=autofix', [made.autofixRejected]],
      ['type=feature_run&status=FAILED', [made.terminated]],
      ['type=explorer&status=PENDING', []],
    ];
    // Visibility is eventually consistent: poll until every filter agrees.
    await eventually(async () => {
      for (const [query, uuids] of expected) {
        expect([query, await listed(query)]).toEqual([query, [...uuids].sort()]);
      }
    });
  });

  it('items have the GET shape and read as GET reads them', async () => {
    const runs = await eventually(async () => {
      const res = await api.call('GET', `/v1/organizations/${org}/seer-runs?status=FAILED`);
      expect(res.body.runs).toHaveLength(3);
      return res.body.runs;
    });
    for (const run of runs) {
      const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${run.run_uuid}`);
      expect(run).toEqual(got.body);
    }
    expect(runs.find((run) => run.run_uuid === made.terminated)?.failure).toEqual({
      reason: 'terminated',
    });
  });

  it('pages with page_size and next_page_token until the token is null', async () => {
    await eventually(async () => expect(await listed('')).toHaveLength(6));
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: string = `page_size=4${token === null ? '' : `&next_page_token=${token}`}`;
      const res = await api.call('GET', `/v1/organizations/${org}/seer-runs?${query}`);
      expect(res.status).toBe(200);
      expect(res.body.runs.length).toBeLessThanOrEqual(4);
      seen.push(...res.body.runs.map((run) => run.run_uuid));
      token = res.body.next_page_token;
      pages += 1;
    } while (token !== null && pages < 5);

    expect(pages).toBe(2);
    expect(seen.sort()).toEqual(Object.values(made).sort());
  });

  it("a page token is refused by another filter's list", async () => {
    await eventually(async () => expect(await listed('')).toHaveLength(6));
    const first = await api.call('GET', `/v1/organizations/${org}/seer-runs?page_size=2`);
    const other = await api.call(
      'GET',
      `/v1/organizations/${org}/seer-runs?status=LIVE&next_page_token=${first.body.next_page_token}`,
    );

    expect(other.status).toBe(400);
    expect(other.body.issues).toEqual([{ path: 'next_page_token', message: expect.any(String) }]);
  });
});

describe('page tokens are sealed with SEER_RUNS_PAGE_TOKEN_KEY', () => {
  const key = 'shared-by-every-replica-0123456789';
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });
  async function replica(env: Record<string, string>, grpcCalls?: GrpcCalls) {
    const api = await startApi({ noWorker: true, env, ...(grpcCalls && { grpcCalls }) });
    stops.push(() => api.stop());
    return api;
  }

  it('a token from another replica with the same key pages on; one this deployment did not make is 400 with no call to Temporal', async () => {
    const first = await replica({ SEER_RUNS_PAGE_TOKEN_KEY: key });
    const org = uniqueOrgId();
    for (let i = 0; i < 3; i += 1) {
      const input = runInput({
        type: 'feature_run',
        organization_id: org,
        request: { feature_id: 'f', payload: {} },
      });
      await startSeerRunWorkflow(first.temporal, first.config.temporal.taskQueue, input, {
        body_sha256: 'paged',
      });
    }
    // Visibility is eventually consistent: page only once all three runs are listed.
    await eventually(async () => {
      const res = await first.call('GET', `/v1/organizations/${org}/seer-runs?page_size=3`);
      expect(res.body.runs).toHaveLength(3);
    });
    const page = await eventually(async () => {
      const res = await first.call('GET', `/v1/organizations/${org}/seer-runs?page_size=2`);
      expect(res.body.runs).toHaveLength(2);
      expect(res.body.next_page_token).toEqual(expect.any(String));
      return res.body;
    });
    const token = page.next_page_token!;

    const second = await replica({ SEER_RUNS_PAGE_TOKEN_KEY: key });
    const next = await second.call(
      'GET',
      `/v1/organizations/${org}/seer-runs?page_size=2&next_page_token=${token}`,
    );
    expect(next.status).toBe(200);
    expect(next.body.runs).toHaveLength(1);
    expect(next.body.runs[0]!.run_uuid).not.toBe(page.runs[0]!.run_uuid);

    const calls = new GrpcCalls();
    const elsewhere = await replica(
      { SEER_RUNS_PAGE_TOKEN_KEY: 'another-deployment-key-0123456789' },
      calls,
    );
    // Temporal's own token, sealed as before 2026-11-30: an unkeyed hash anyone can recompute.
    const temporalToken = Buffer.from(token, 'base64url').subarray(32);
    const query = listQuery(org, {});
    const forged = Buffer.concat([
      createHash('sha256')
        .update(query, 'utf8')
        .update('\0')
        .update(temporalToken)
        .digest()
        .subarray(0, 8),
      temporalToken,
    ]).toString('base64url');
    for (const refused of [token, forged, Buffer.alloc(48, 7).toString('base64url')]) {
      const res = await elsewhere.call(
        'GET',
        `/v1/organizations/${org}/seer-runs?next_page_token=${refused}`,
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: 'invalid_request',
        issues: [{ path: 'next_page_token', message: expect.any(String) }],
      });
    }
    expect(calls.started(TemporalMethod.list)).toBe(0);
  });
});
