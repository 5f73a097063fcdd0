// POST /v1/organizations/{org}/seer-runs on the mirror path, over real HTTP: 201/200 and the
// Idempotency-Key, the sync-wait timeout and retry_token, against a real worker and fake Seer.
import { WorkflowNotFoundError } from '@temporalio/client';
import { runUuidFor } from '../../src/api/idempotency';
import {
  bodyOf,
  eventually,
  ROUTE,
  seerRunsFor,
  startApi,
  uniqueOrgId,
  type ApiHarness,
} from '../support/api';
import { GrpcCalls, TemporalMethod } from '../support/grpc-calls';
import { status } from '@grpc/grpc-js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST seer-runs, mirror path', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    api = await startApi();
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  it('a new run answers 201 LIVE with a Location, after one signed request to Seer', async () => {
    const res = await api.post(org, bodyOf('explorer'));

    expect(res.status).toBe(201);
    expect(res.body).toEqual({ run_id: 1, run_uuid: expect.stringMatching(UUID), status: 'LIVE' });
    expect(res.headers.get('location')).toBe(
      `/v1/organizations/${org}/seer-runs/${res.body.run_uuid}`,
    );
    const sent = api.fakeSeer.state.requests;
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      route: ROUTE.explorer,
      key: res.body.run_uuid,
      signature_ok: true,
      body: {
        organization_id: org,
        query: 'why is checkout slow?',
        run_id: null,
        insert_index: null,
        on_page_context: null,
        external_idempotency_key: res.body.run_uuid,
      },
    });
    const got = await api.call('GET', res.headers.get('location')!);
    expect(got.body).toMatchObject({ status: 'LIVE', run_id: 1, attempts: 1 });
  });

  it('fills the organization and project in from the path and envelope, and signs the viewer context', async () => {
    const res = await api.post(
      org,
      bodyOf('autofix', {
        project_id: 31,
        viewer_context: { organization_id: org, user_id: 5, actor_type: 'user' },
      }),
    );

    expect(res.status).toBe(201);
    const [sent] = api.fakeSeer.state.requests;
    expect(sent?.body).toMatchObject({ organization_id: org, project_id: 31 });
    expect(sent?.viewer_context_ok).toBe(true);
    expect(JSON.parse(sent!.headers['x-viewer-context']!)).toEqual({
      actor_type: 'user',
      organization_id: org,
      user_id: 5,
    });
    const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${res.body.run_uuid}`);
    expect(got.body).toMatchObject({ type: 'autofix', organization_id: org, project_id: 31 });
  });

  it('the same Idempotency-Key again answers 200 with the same run and sends nothing more to Seer', async () => {
    const headers = { 'idempotency-key': 'order-1234' };
    const first = await api.post(org, bodyOf('explorer'), { headers });
    const second = await api.post(org, bodyOf('explorer'), { headers });

    expect(first.status).toBe(201);
    expect(first.body.run_uuid).toBe(runUuidFor(org, 'order-1234'));
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('location')).toBeNull();
    expect(api.fakeSeer.state.requests).toHaveLength(1);
  });

  it('the body fingerprint ignores key order and what the API fills in', async () => {
    const headers = { 'idempotency-key': 'same-meaning' };
    const first = await api.post(
      org,
      { type: 'explorer', request: { query: 'q', insert_index: 2 } },
      { headers },
    );
    const second = await api.post(
      org,
      {
        request: { insert_index: 2, organization_id: org, query: 'q', run_id: null },
        type: 'explorer',
      },
      { headers },
    );

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.run_id).toBe(first.body.run_id);
  });

  it('two concurrent POSTs with one Idempotency-Key make one workflow and one Seer run: one 201, one 200', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ delay_ms: 300 }]);
    const headers = { 'idempotency-key': 'double-click' };
    const answers = await Promise.all([
      api.post(org, bodyOf('explorer'), { headers }),
      api.post(org, bodyOf('explorer'), { headers }),
    ]);

    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(answers[0].body).toEqual(answers[1].body);
    const runUuid = runUuidFor(org, 'double-click');
    expect(seerRunsFor(api.fakeSeer, runUuid)).toHaveLength(1);
    expect(api.fakeSeer.state.requests).toHaveLength(1);
    await eventually(async () => {
      const list = await api.call('GET', `/v1/organizations/${org}/seer-runs`);
      expect(list.body.runs.map((run) => run.run_uuid)).toEqual([runUuid]);
    });
  });

  it('an Idempotency-Key reused with a different body is 422 idempotency_key_reused naming the run', async () => {
    const headers = { 'idempotency-key': 'reused' };
    const first = await api.post(org, bodyOf('explorer'), { headers });
    const other = await api.post(
      org,
      { type: 'explorer', request: { query: 'something else' } },
      { headers },
    );

    expect(first.status).toBe(201);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({
      error: 'idempotency_key_reused',
      detail: expect.any(String),
      run_uuid: first.body.run_uuid,
    });
    expect(api.fakeSeer.state.requests).toHaveLength(1);
  });

  it('a reused key with another body is 422 at once while the first run is PENDING, before any wait', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const headers = { 'idempotency-key': 'pending-then-reused' };
    // The first POST waits out its whole sync wait (10 s): Seer never answers.
    const first = api.post(org, bodyOf('explorer'), { headers });
    await eventually(() => expect(api.fakeSeer.state.requests).toHaveLength(1));
    const other = api.post(org, bodyOf('feature_run'), { headers });

    const firstToAnswer = await Promise.race([
      first.then(() => 'the first POST'),
      other.then(() => 'the reused key'),
    ]);
    expect(firstToAnswer).toBe('the reused key');
    expect(await other).toMatchObject({
      status: 422,
      body: { error: 'idempotency_key_reused', run_uuid: runUuidFor(org, 'pending-then-reused') },
    });
    await first;
    expect(api.fakeSeer.state.requests.map((r) => r.route)).not.toContain(ROUTE.feature_run);
  });

  it('a reused key is refused even when its run failed', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ status: 400, body: '{"detail":"no"}' }]);
    const headers = { 'idempotency-key': 'failed-then-reused' };
    const first = await api.post(org, bodyOf('explorer'), { headers });
    const other = await api.post(org, bodyOf('assisted_query'), { headers });

    expect(first.status).toBe(502);
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('idempotency_key_reused');
  });

  it('a retry_token never starts a run: unknown, or of another organization, is 404 run_not_found', async () => {
    const unknown = '3b241101-e2bb-4255-8caf-4136c566a962';
    const res = await api.post(org, bodyOf('explorer', { retry_token: unknown }));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      error: 'run_not_found',
      detail: expect.stringContaining(unknown),
    });
    await expect(api.temporal.workflow.getHandle(unknown).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    const mine = await api.post(org, bodyOf('explorer'));
    const elsewhere = await api.post(
      uniqueOrgId(),
      bodyOf('explorer', { retry_token: mine.body.run_uuid }),
    );
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error).toBe('run_not_found');
    expect(api.fakeSeer.state.requests).toHaveLength(1);
  });

  it('a retry_token of a LIVE run answers 200 with it, matched case-insensitively and answered in lower case', async () => {
    const first = await api.post(org, bodyOf('explorer'));
    const retried = await api.post(
      org,
      bodyOf('explorer', { retry_token: String(first.body.run_uuid).toUpperCase() }),
    );

    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(first.body);
    expect(api.fakeSeer.state.requests).toHaveLength(1);
  });

  it('a retry_token and an Idempotency-Key naming different runs are 422 retry_token_mismatch', async () => {
    const first = await api.post(org, bodyOf('explorer'));
    const res = await api.post(org, bodyOf('explorer', { retry_token: first.body.run_uuid }), {
      headers: { 'idempotency-key': 'another-run' },
    });

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'retry_token_mismatch', detail: expect.any(String) });
  });

  it('a retry_token with the Idempotency-Key of the same run answers the run', async () => {
    const headers = { 'idempotency-key': 'both' };
    const first = await api.post(org, bodyOf('explorer'), { headers });
    const res = await api.post(org, bodyOf('explorer', { retry_token: first.body.run_uuid }), {
      headers,
    });

    expect(res.status).toBe(200);
    expect(res.body.run_id).toBe(first.body.run_id);
  });
});

describe("POST seer-runs when Temporal won't tell a keyed run's body", () => {
  it.each([
    ['Temporal is gone (UNAVAILABLE)', status.UNAVAILABLE],
    ['Temporal rate-limits the lookup (RESOURCE_EXHAUSTED)', status.RESOURCE_EXHAUSTED],
    ['Temporal fails the lookup (INTERNAL)', status.INTERNAL],
  ])(
    '%s: answers 503 temporal_unavailable and never joins the run unchecked',
    async (_case, code) => {
      const calls = new GrpcCalls();
      const api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '2000' }, grpcCalls: calls });
      try {
        const org = uniqueOrgId();
        api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
        const headers = { 'idempotency-key': 'unchecked' };
        const first = await api.post(org, bodyOf('explorer'), { headers });
        expect(first.status).toBe(500);

        calls.fail(TemporalMethod.describe, code);
        const other = await api.post(org, bodyOf('feature_run'), { headers });

        expect(other.status).toBe(503);
        expect(other.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(other.body).toMatchObject({
          error: 'temporal_unavailable',
          detail: expect.any(String),
          run_uuid: first.body.retry_token,
        });
        expect(calls.started(TemporalMethod.describe)).toBeGreaterThanOrEqual(1);
        expect(api.fakeSeer.state.requests).toHaveLength(1);
      } finally {
        await api.stop();
      }
    },
  );
});

describe('POST seer-runs when the run is not LIVE within SYNC_WAIT_TIMEOUT_MS', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '300' } });
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  it('answers 500 seer_run_pending with Retry-After and a retry_token; once Seer recovers the token answers 200 with the same run', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ status: 503 }, { delay_ms: 200 }]);
    const started = Date.now();
    const pending = await api.post(org, bodyOf('explorer'));

    expect(pending.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pending.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(pending.body).toEqual({
      error: 'seer_run_pending',
      detail: expect.any(String),
      retry_token: expect.stringMatching(UUID),
    });
    const token: string = pending.body.retry_token;

    await eventually(async () => {
      const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${token}`);
      expect(got.body.status).toBe('LIVE');
    });
    const retried = await api.post(org, bodyOf('explorer', { retry_token: token }));

    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ run_id: 1, run_uuid: token, status: 'LIVE' });
    expect(seerRunsFor(api.fakeSeer, token)).toHaveLength(1);
    expect(api.fakeSeer.state.requests.filter((r) => r.key === token)).toHaveLength(2);
  });

  it('a retry of a run still PENDING waits again and answers 500 with the same token', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const pending = await api.post(org, bodyOf('explorer'));
    const again = await api.post(
      org,
      bodyOf('explorer', { retry_token: pending.body.retry_token }),
    );

    expect(pending.status).toBe(500);
    expect(again.status).toBe(500);
    expect(again.body).toMatchObject({
      error: 'seer_run_pending',
      retry_token: pending.body.retry_token,
    });
    expect(api.fakeSeer.state.requests).toHaveLength(1);
  });

  it('with an Idempotency-Key, a pending run is still checked against the body', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const headers = { 'idempotency-key': 'slow' };
    const pending = await api.post(org, bodyOf('explorer'), { headers });
    const other = await api.post(org, bodyOf('feature_run'), { headers });

    expect(pending.status).toBe(500);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({
      error: 'idempotency_key_reused',
      run_uuid: pending.body.retry_token,
    });
  });
});
