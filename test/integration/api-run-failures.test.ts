// POST seer-runs when the run fails or Temporal is in the way: every 502/500/503 row of spec §3's
// table, over real HTTP, against a real worker, the fake Seer and the shared dev server.
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { SearchAttr, SeerRunStatus, type FailureReason } from '../../src/domain';
import { runUuidFor } from '../../src/api/idempotency';
import { SEER_RUN_WORKFLOW, startSeerRunWorkflow } from '../../src/temporal/runs';
import { bodyOf, eventually, ROUTE, startApi, uniqueOrgId, type ApiHarness } from '../support/api';
import { GrpcCalls, TemporalMethod } from '../support/grpc-calls';
import { runInput } from '../support/temporal';

describe('a run that fails answers 502', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    api = await startApi();
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  it.each([
    ['a 400', { status: 400, body: '{"detail":"bad"}' }, 'seer_rejected', 'seer_rejected', 400],
    [
      'a 302',
      { status: 302, headers: { location: '/elsewhere' } },
      'seer_rejected',
      'seer_rejected',
      302,
    ],
    [
      'a 2xx that is not JSON',
      { body: 'Bad Gateway' },
      'seer_invalid_response',
      'invalid_json_body',
      null,
    ],
    [
      'a 2xx without run_id',
      { body: '{"ok":true}' },
      'seer_invalid_response',
      'missing_run_id',
      null,
    ],
    [
      'a 2xx with a string run_id',
      { body: '{"run_id":"7"}' },
      'seer_invalid_response',
      'invalid_run_id',
      null,
    ],
  ])(
    'Seer answering %s fails the run: 502 %s with reason %s after one request',
    async (_case, fault, error, reason, seerStatus) => {
      api.fakeSeer.queueFaults(ROUTE.explorer, [fault]);
      const res = await api.post(org, bodyOf('explorer'));

      expect(res.status).toBe(502);
      expect(res.body).toEqual({
        error,
        detail: expect.any(String),
        run_uuid: expect.any(String),
        reason,
        ...(seerStatus === null ? {} : { seer_status: seerStatus }),
      });
      expect(api.fakeSeer.state.requests).toHaveLength(1);
      const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${res.body.run_uuid}`);
      expect(got.body).toMatchObject({
        status: 'FAILED',
        run_id: null,
        attempts: 1,
        failure: seerStatus === null ? { reason } : { reason, seer_status: seerStatus },
      });
    },
  );

  it('a pr_review run fails as unsupported_type without a request to Seer', async () => {
    const res = await api.post(org, bodyOf('pr_review'));

    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'seer_run_failed', reason: 'unsupported_type' });
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });

  it('a run whose input fails its schema answers its retry_token with 502 seer_run_failed invalid_payload', async () => {
    // The API validates with the same schema, so only a run started by other means gets here.
    const input = runInput({ type: 'explorer', request: { query: '' }, organization_id: org });
    const handle = await startSeerRunWorkflow(api.temporal, api.config.temporal.taskQueue, input, {
      body_sha256: 'elsewhere',
    });
    await handle.result().catch(() => undefined);
    const res = await api.post(org, bodyOf('explorer', { retry_token: input.run_uuid }));

    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'seer_run_failed', reason: 'invalid_payload' });
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });

  it('a run terminated while the POST waits answers 502 seer_run_failed terminated', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const headers = { 'idempotency-key': 'to-terminate' };
    const answer = api.post(org, bodyOf('explorer'), { headers });
    await eventually(() => expect(api.fakeSeer.state.requests).toHaveLength(1));
    await api.temporal.workflow.getHandle(api.fakeSeer.state.requests[0]!.key!).terminate('test');
    const res = await answer;

    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'seer_run_failed', reason: 'terminated' });
  });
});

describe('runs closed from outside, read through their retry_token and GET', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '300' } });
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  async function pendingRun(): Promise<string> {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const pending = await api.post(org, bodyOf('explorer'));
    expect(pending.status).toBe(500);
    return pending.body.retry_token;
  }

  it.each([
    ['terminated', (uuid: string) => api.temporal.workflow.getHandle(uuid).terminate('test')],
    ['cancelled', (uuid: string) => api.temporal.workflow.getHandle(uuid).cancel()],
  ] as const)('a %s run answers 502 seer_run_failed and reads FAILED', async (reason, close) => {
    const token = await pendingRun();
    await close(token);
    await api.temporal.workflow
      .getHandle(token)
      .result()
      .catch(() => undefined);

    const res = await api.post(org, bodyOf('explorer', { retry_token: token }));
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'seer_run_failed', run_uuid: token, reason });
    const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${token}`);
    expect(got.body).toMatchObject({
      status: 'FAILED',
      failure: { reason },
      closed_at: expect.any(String),
    });
  });

  it('a run terminated after it went LIVE answers the POST that joins it LIVE, as GET reads it, never failed', async () => {
    // As a run terminated during its explorer follow-up looks: LIVE recorded, then closed from
    // outside. Made by hand on a queue no worker polls, so nothing else moves it.
    const key = `live-then-terminated-${randomUUID()}`;
    const uuid = runUuidFor(org, key);
    const input = runInput({ type: 'explorer', organization_id: org, run_uuid: uuid, request: {} });
    const handle = await api.temporal.workflow.start(SEER_RUN_WORKFLOW, {
      workflowId: uuid,
      taskQueue: `no-worker-${randomUUID()}`,
      args: [input],
      typedSearchAttributes: [
        { key: SearchAttr.type, value: input.type },
        { key: SearchAttr.organizationId, value: org },
        { key: SearchAttr.status, value: SeerRunStatus.LIVE },
        { key: SearchAttr.runId, value: 77 },
      ],
    });
    await handle.terminate('operator, during the follow-up');

    const res = await api.post(org, bodyOf('explorer'), { headers: { 'idempotency-key': key } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ run_uuid: uuid, run_id: 77, status: 'LIVE' });
    const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${uuid}`);
    expect(got.body).toMatchObject({ status: 'LIVE', run_id: 77 });
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });

  it('a timed-out run answers 502 seer_run_failed timed_out and reads FAILED', async () => {
    // The API never sets an execution timeout; an operator's tool might.
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const input = runInput({
      type: 'explorer',
      organization_id: org,
      request: {
        organization_id: org,
        query: 'q',
        run_id: null,
        insert_index: null,
        on_page_context: null,
      },
    });
    const handle = await api.temporal.workflow.start(SEER_RUN_WORKFLOW, {
      workflowId: input.run_uuid,
      taskQueue: api.config.temporal.taskQueue,
      args: [input],
      workflowExecutionTimeout: '1s',
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SearchAttr.type, value: input.type },
        { key: SearchAttr.organizationId, value: org },
        { key: SearchAttr.status, value: SeerRunStatus.PENDING },
      ],
    });
    await handle.result().catch(() => undefined);

    const res = await api.post(org, bodyOf('explorer', { retry_token: input.run_uuid }));
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'seer_run_failed', reason: 'timed_out' });
    const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${input.run_uuid}`);
    expect(got.body.failure).toEqual({ reason: 'timed_out' satisfies FailureReason });
  });
});

describe('retries that outlast the heal window', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await startApi({ env: { SEER_RUN_HEAL_WINDOW: '2s', SYNC_WAIT_TIMEOUT_MS: '15000' } });
  });
  afterEach(async () => {
    await api.stop();
  });

  it('answer 502 seer_run_failed retries_exhausted', async () => {
    api.fakeSeer.queueFaults(
      ROUTE.explorer,
      Array.from({ length: 20 }, () => ({ status: 503 })),
    );
    const res = await api.post(uniqueOrgId(), bodyOf('explorer'));

    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'seer_run_failed', reason: 'retries_exhausted' });
    expect(api.fakeSeer.state.requests.length).toBeGreaterThanOrEqual(2);
  });
});

describe('Temporal in the way', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  it('unreachable before the start: 503 temporal_unavailable with Retry-After, nothing started', async () => {
    const api = await startApi({ temporalAddress: '127.0.0.1:1', noWorker: true });
    stops.push(() => api.stop());
    const res = await api.post(uniqueOrgId(), bodyOf('explorer'));

    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.body).toEqual({ error: 'temporal_unavailable', detail: expect.any(String) });
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });

  it('an error once the start was sent: 500 seer_run_pending with a retry_token, which answers 404 when no run was made', async () => {
    const misconfigured = await startApi({
      env: { TEMPORAL_NAMESPACE: `missing-${randomUUID()}` },
      noWorker: true,
    });
    stops.push(() => misconfigured.stop());
    const api = await startApi({ noWorker: true });
    stops.push(() => api.stop());
    const org = uniqueOrgId();

    const res = await misconfigured.post(org, bodyOf('explorer'));
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.body).toMatchObject({ error: 'seer_run_pending', retry_token: expect.any(String) });

    const retried = await api.post(org, bodyOf('explorer', { retry_token: res.body.retry_token }));
    expect(retried.status).toBe(404);
    expect(retried.body.error).toBe('run_not_found');
  });

  it('a wait that times out holds one long poll, not a loop of them, and none outlives the answer', async () => {
    const calls = new GrpcCalls();
    const api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '1500' }, grpcCalls: calls });
    stops.push(() => api.stop());
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const res = await api.post(uniqueOrgId(), bodyOf('explorer'));

    expect(res.status).toBe(500);
    expect(calls.started(TemporalMethod.history)).toBeGreaterThanOrEqual(1);
    expect(calls.started(TemporalMethod.history)).toBeLessThanOrEqual(2);
    // A result() raced against a timer answers on time too, but leaves its poll running.
    expect(calls.inFlight(TemporalMethod.history)).toBe(0);
  });
});

describe('the sync wait is a bound (spec §3)', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '1500' } });
  });
  afterEach(async () => {
    await api.stop();
  });

  it('a POST answers 500 seer_run_pending within SYNC_WAIT_TIMEOUT_MS + 1 s of its arrival, even when the garbage collector runs while it waits', async () => {
    const gc = garbageCollector();
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const sent = Date.now();
    const collecting = setInterval(gc, 400);
    const res = await api.post(uniqueOrgId(), bodyOf('explorer')).finally(() => {
      clearInterval(collecting);
    });

    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error: 'seer_run_pending', retry_token: expect.any(String) });
    // The bound is stated from the request's arrival, so it is read on the server's clock: the
    // client's own clock adds whatever a loaded machine adds before the request arrives.
    expect(api.answeredInMs).toHaveLength(1);
    expect(api.answeredInMs[0]).toBeLessThan(1_500 + 1_000);
    expect(api.answeredInMs[0]).toBeGreaterThanOrEqual(1_500);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1_500);
  });

  it('raises no MaxListenersExceededWarning over many waits, the garbage collector running', async () => {
    const gc = garbageCollector();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    const collecting = setInterval(gc, 400);
    try {
      api.fakeSeer.queueFaults(
        ROUTE.explorer,
        Array.from({ length: 3 }, () => ({ hang: true })),
      );
      const answers = await Promise.all(
        Array.from({ length: 3 }, () => api.post(uniqueOrgId(), bodyOf('explorer'))),
      );
      expect(answers.map((res) => res.status)).toEqual([500, 500, 500]);
    } finally {
      clearInterval(collecting);
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});

/** V8's collector, which Node hides unless started with --expose-gc. */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
