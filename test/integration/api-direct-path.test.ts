// POST seer-runs for an organization outside SEER_RUN_MIRROR_ORGS: the old behaviour, one signed
// request to Seer with a fresh key, no retries and no workflow; answered through the same table.
import { WorkflowNotFoundError } from '@temporalio/client';
import { runUuidFor } from '../../src/api/idempotency';
import { bodyOf, ROUTE, startApi, uniqueOrgId, type ApiHarness } from '../support/api';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST seer-runs, direct path', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    org = uniqueOrgId();
    // Only organization 1 is mirrored: `org` takes the direct path.
    api = await startApi({ env: { SEER_RUN_MIRROR_ORGS: '1' }, noWorker: true });
  });
  afterEach(async () => {
    await api.stop();
  });

  it("answers 200 with Seer's run_id and a null run_uuid after one signed request; no workflow exists", async () => {
    const res = await api.post(
      org,
      bodyOf('explorer', { viewer_context: { organization_id: org, user_id: 3 } }),
    );

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ run_id: 1, run_uuid: null });
    const [sent, ...rest] = api.fakeSeer.state.requests;
    expect(rest).toHaveLength(0);
    expect(sent).toMatchObject({
      route: ROUTE.explorer,
      signature_ok: true,
      viewer_context_ok: true,
      key: expect.stringMatching(UUID_V4),
      body: { organization_id: org, query: 'why is checkout slow?' },
    });
    await expect(api.temporal.workflow.getHandle(sent!.key!).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });

  it('ignores the Idempotency-Key: each call is a new Seer run, and no keyed workflow exists', async () => {
    const headers = { 'idempotency-key': 'ignored' };
    const first = await api.post(org, bodyOf('assisted_query'), { headers });
    const second = await api.post(org, bodyOf('assisted_query'), { headers });

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.run_id).not.toBe(first.body.run_id);
    const [a, b] = api.fakeSeer.state.requests;
    expect(a?.key).not.toBe(b?.key);
    await expect(
      api.temporal.workflow.getHandle(runUuidFor(org, 'ignored')).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it.each([
    ['a 403', { status: 403 }, 'seer_rejected', 'seer_rejected', 403],
    [
      'a 2xx that is not JSON',
      { body: '<html>' },
      'seer_invalid_response',
      'invalid_json_body',
      null,
    ],
  ])(
    'Seer answering %s is 502 %s with reason %s and a null run_uuid',
    async (_case, fault, error, reason, seerStatus) => {
      api.fakeSeer.queueFaults(ROUTE.explorer, [fault]);
      const res = await api.post(org, bodyOf('explorer'));

      expect(res.status).toBe(502);
      expect(res.body).toEqual({
        error,
        detail: expect.any(String),
        run_uuid: null,
        reason,
        ...(seerStatus === null ? {} : { seer_status: seerStatus }),
      });
      expect(api.fakeSeer.state.requests).toHaveLength(1);
    },
  );

  it("a transient Seer answer is 502 seer_unavailable with Seer's Retry-After and status, not retried", async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ status: 503, headers: { 'retry-after': '7' } }]);
    const res = await api.post(org, bodyOf('explorer'));

    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body).toEqual({
      error: 'seer_unavailable',
      detail: expect.any(String),
      seer_status: 503,
    });
    expect(api.fakeSeer.state.requests).toHaveLength(1);
  });

  it.each(['0', 'Thu, 01 Jan 1970 00:00:00 GMT'])(
    "Seer's Retry-After %s is passed on as 1 s, never an invitation to a tight loop",
    async (retryAfter) => {
      api.fakeSeer.queueFaults(ROUTE.explorer, [
        { status: 503, headers: { 'retry-after': retryAfter } },
      ]);
      const res = await api.post(org, bodyOf('explorer'));

      expect(res.status).toBe(502);
      expect(res.headers.get('retry-after')).toBe('1');
    },
  );

  it('a dropped connection is 502 seer_unavailable without a status', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ drop: 'before' }]);
    const res = await api.post(org, bodyOf('explorer'));

    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.body).toMatchObject({ error: 'seer_unavailable', seer_status: null });
  });

  it('a pr_review is 502 seer_run_failed unsupported_type without a request', async () => {
    const res = await api.post(org, bodyOf('pr_review'));

    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      error: 'seer_run_failed',
      reason: 'unsupported_type',
      run_uuid: null,
    });
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });

  it('a retry_token still names a run in Temporal: unknown is 404, and Seer hears nothing', async () => {
    const res = await api.post(
      org,
      bodyOf('explorer', { retry_token: '9f1c2d1e-3b7a-4c55-9a0e-2f6a5e4b7c10' }),
    );

    expect(res.status).toBe(404);
    expect(res.body.error).toBe('run_not_found');
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });
});
