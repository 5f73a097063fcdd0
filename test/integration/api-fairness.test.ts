// Fairness between organizations over real HTTP, a real worker and the fake Seer: every start
// carries its organization's Temporal priority, and the API's admission lets a quiet organization
// through while another one's burst waits its turn.
import { WorkflowNotFoundError } from '@temporalio/client';
import { runUuidFor } from '../../src/api/idempotency';
import { bodyOf, startApi, uniqueOrgId, type ApiHarness, type ApiResponse } from '../support/api';

/** The priority Temporal keeps on the run's workflow execution. */
async function priorityOf(api: ApiHarness, runUuid: string) {
  const description = await api.temporal.workflow.getHandle(runUuid).describe();
  const priority = description.raw.workflowExecutionInfo?.priority;
  return {
    fairnessKey: priority?.fairnessKey ?? '',
    fairnessWeight: priority?.fairnessWeight ?? 0,
  };
}

describe("a run's Temporal priority", () => {
  let api: ApiHarness | undefined;
  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  it('is keyed by the organization of the path, with its SEER_RUNS_ORG_WEIGHTS weight (1 when not listed)', async () => {
    const heavy = uniqueOrgId();
    const plain = uniqueOrgId();
    api = await startApi({ env: { SEER_RUNS_ORG_WEIGHTS: JSON.stringify({ [heavy]: 2.5 }) } });

    const a = await api.post(heavy, bodyOf('explorer'));
    const b = await api.post(plain, bodyOf('explorer'));

    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await priorityOf(api, a.body.run_uuid)).toEqual({
      fairnessKey: String(heavy),
      fairnessWeight: 2.5,
    });
    expect(await priorityOf(api, b.body.run_uuid)).toEqual({
      fairnessKey: String(plain),
      fairnessWeight: 1,
    });
  });

  it('cannot be keyed by anything the client sends other than the path: another organization in the body is refused or ignored', async () => {
    const org = uniqueOrgId();
    const other = uniqueOrgId();
    api = await startApi();

    const named = await api.post(
      org,
      bodyOf('feature_run', {
        request: {
          feature_id: 'summaries',
          payload: { organization_id: other, fairness_key: 'x' },
        },
      }),
    );
    expect(named.status).toBe(201);
    expect(await priorityOf(api, named.body.run_uuid)).toEqual({
      fairnessKey: String(org),
      fairnessWeight: 1,
    });

    const headers = { 'idempotency-key': 'other-org' };
    const refused = await api.post(
      org,
      bodyOf('explorer', { request: { query: 'q', organization_id: other } }),
      { headers },
    );
    expect(refused.status).toBe(400);
    await expect(
      api.temporal.workflow.getHandle(runUuidFor(org, 'other-org')).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('is not set with SEER_RUNS_FAIRNESS=off', async () => {
    const org = uniqueOrgId();
    api = await startApi({
      env: { SEER_RUNS_FAIRNESS: 'off', SEER_RUNS_ORG_WEIGHTS: JSON.stringify({ [org]: 3 }) },
    });

    const res = await api.post(org, bodyOf('explorer'));

    expect(res.status).toBe(201);
    expect(await priorityOf(api, res.body.run_uuid)).toEqual({
      fairnessKey: '',
      fairnessWeight: 0,
    });
  });
});

describe('admission per organization (SEER_RUNS_FAIR_IN_FLIGHT=2, a slow Seer)', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await startApi({
      env: { SEER_RUNS_FAIR_IN_FLIGHT: '2', SYNC_WAIT_TIMEOUT_MS: '3000' },
    });
    api.fakeSeer.configure({ latency_ms: 500 });
  });
  afterEach(async () => {
    await api.stop();
  });

  it("lets a quiet organization through a burst of another's; the burst's POSTs not started in time are started on resend, none twice", async () => {
    const burstOrg = uniqueOrgId();
    const quietOrg = uniqueOrgId();
    const answered: string[] = [];
    const post = async (name: string, org: number, key: string, extra = {}) => {
      const res = await api.post(org, bodyOf('explorer', extra), {
        headers: { 'idempotency-key': key },
      });
      answered.push(name);
      return res;
    };

    // Each organization has run one already: both are active (an admission in the last 10 s).
    const earlier = await post('a-earlier', burstOrg, 'a-earlier');
    const quietFirst = await post('b-first', quietOrg, 'b-first');
    expect([earlier.status, quietFirst.status]).toEqual([201, 201]);

    // 20 POSTs of the burst at once: one share each (floor(2 / 2)), so one of them at a time.
    const burst = Array.from({ length: 20 }, (_, i) => post(`a${i}`, burstOrg, `a${i}`));
    const quiet = post('b-second', quietOrg, 'b-second');
    // A join of the burst's organization takes no turn: it does not wait behind the burst.
    const join = post('a-join', burstOrg, 'a-earlier', { retry_token: earlier.body.run_uuid });
    const [quietAnswer, joinAnswer, ...burstAnswers] = await Promise.all([quiet, join, ...burst]);

    expect(quietAnswer.status).toBe(201);
    expect(joinAnswer.status).toBe(200);
    expect(joinAnswer.body.run_uuid).toBe(earlier.body.run_uuid);
    const lastOfBurst = Math.max(...burstAnswers.map((_, i) => answered.indexOf(`a${i}`)));
    expect(answered.indexOf('b-second')).toBeLessThan(lastOfBurst);
    expect(answered.indexOf('a-join')).toBeLessThan(lastOfBurst);

    // Each of the burst is LIVE, or was answered 500: started but not LIVE in time (its token
    // waits for it), or not started at all (its token answers 404; the same request sent again
    // starts it). Some were not started: their organization's turn did not come in time.
    const notStarted = { count: 0 };
    const finals = await Promise.all(
      burstAnswers.map((res, i) => followRetryRule(api, burstOrg, `a${i}`, res, notStarted)),
    );
    for (const [i, res] of finals.entries()) {
      expect(res.body).toMatchObject({ run_uuid: runUuidFor(burstOrg, `a${i}`), status: 'LIVE' });
    }
    expect(notStarted.count).toBeGreaterThan(0);

    // One Seer run per request, each sent once: the burst's 20, the quiet organization's 2 and the
    // burst organization's earlier one.
    const burstUuids = burstAnswers.map((_, i) => runUuidFor(burstOrg, `a${i}`));
    const expected = [
      earlier.body.run_uuid,
      quietFirst.body.run_uuid,
      quietAnswer.body.run_uuid,
      ...burstUuids,
    ];
    expect(api.fakeSeer.state.runs.map((run) => run.key).sort()).toEqual([...expected].sort());
    expect(api.fakeSeer.state.requests.map((request) => request.key).sort()).toEqual(
      [...expected].sort(),
    );
    for (const uuid of burstUuids) {
      const got = await api.call('GET', `/v1/organizations/${burstOrg}/seer-runs/${uuid}`);
      expect(got.body).toMatchObject({ status: 'LIVE', attempts: 1 });
    }

    const metrics = (await api.call('GET', '/metrics')).text;
    expect(metrics).toMatch(/^seer_runs_api_admission_queued_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^seer_runs_api_admission_queue_length 0$/m);
    expect(metrics).toContain(
      `seer_runs_api_sync_waits_total{outcome="pending_queued"} ${notStarted.count}`,
    );
  });
});

/**
 * A client following the spec's retry rule until the run is LIVE: on a 500 it sends the same
 * request with the retry_token, which waits for a started run and answers 404 for one never
 * started (then nothing exists under that UUID), and then it sends the request again.
 */
async function followRetryRule(
  api: ApiHarness,
  org: number,
  key: string,
  first: ApiResponse,
  notStarted: { count: number },
): Promise<ApiResponse> {
  const uuid = runUuidFor(org, key);
  const headers = { 'idempotency-key': key };
  let answer = first;
  for (let tries = 0; answer.status >= 500 && tries < 20; tries++) {
    // 503: Temporal did not answer in time while the key was checked; the same request again.
    if (answer.status === 503) {
      answer = await api.post(org, bodyOf('explorer'), { headers });
      continue;
    }
    expect(answer.body).toMatchObject({ error: 'seer_run_pending', retry_token: uuid });
    const retryAfter = Number(answer.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const wasStarted = !answer.body.detail.includes('was not started');
    if (!wasStarted) {
      notStarted.count += 1;
      await expect(api.temporal.workflow.getHandle(uuid).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
    }
    // The rule: come back after Retry-After (a POST sent away is told when its turn may come).
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1_000));
    const viaToken = await api.post(org, bodyOf('explorer', { retry_token: uuid }), { headers });
    // A start cut off by the sync wait may not have reached Temporal either (spec §3).
    if (!wasStarted) expect(viaToken.status).toBe(404);
    answer =
      viaToken.status === 404 ? await api.post(org, bodyOf('explorer'), { headers }) : viaToken;
  }
  expect([200, 201]).toContain(answer.status);
  return answer;
}
