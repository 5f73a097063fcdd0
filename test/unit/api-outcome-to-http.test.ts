import { FAILURE_REASONS, type FailureReason } from '../../src/domain';
import { failureCodeFor, httpAnswerFor } from '../../src/api/outcome-to-http';

const UUID = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('the response table (spec §3)', () => {
  const codes: Record<FailureReason, string> = {
    seer_rejected: 'seer_rejected',
    invalid_json_body: 'seer_invalid_response',
    missing_run_id: 'seer_invalid_response',
    invalid_run_id: 'seer_invalid_response',
    invalid_payload: 'seer_run_failed',
    unsupported_type: 'seer_run_failed',
    retries_exhausted: 'seer_run_failed',
    terminated: 'seer_run_failed',
    cancelled: 'seer_run_failed',
    timed_out: 'seer_run_failed',
  };

  it.each(FAILURE_REASONS)(
    'reason %s is a 502 with its code, the run_uuid and the reason',
    (reason) => {
      const answer = httpAnswerFor({
        kind: 'failed',
        runUuid: UUID,
        failure: { reason, seer_status: 418 },
      });

      expect(failureCodeFor(reason)).toBe(codes[reason]);
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({
        error: codes[reason],
        detail: expect.any(String),
        run_uuid: UUID,
        reason,
        // Only seer_rejected carries Seer's status (the table's row lists it).
        ...(reason === 'seer_rejected' ? { seer_status: 418 } : {}),
      });
    },
  );

  it('a run this request created is 201 with its Location', () => {
    expect(
      httpAnswerFor({ kind: 'live', organizationId: 7, runUuid: UUID, runId: 0, created: true }),
    ).toEqual({
      status: 201,
      headers: { location: `/v1/organizations/7/seer-runs/${UUID}` },
      body: { run_id: 0, run_uuid: UUID, status: 'LIVE' },
    });
  });

  it('a run this request joined is 200 without a Location', () => {
    expect(
      httpAnswerFor({ kind: 'live', organizationId: 7, runUuid: UUID, runId: 5, created: false }),
    ).toEqual({ status: 200, headers: {}, body: { run_id: 5, run_uuid: UUID, status: 'LIVE' } });
  });

  it('the direct path is 200 with a null run_uuid', () => {
    expect(httpAnswerFor({ kind: 'direct_live', runId: 3 })).toEqual({
      status: 200,
      headers: {},
      body: { run_id: 3, run_uuid: null },
    });
  });

  it('a direct-path failure names no run', () => {
    expect(
      httpAnswerFor({ kind: 'failed', runUuid: null, failure: { reason: 'missing_run_id' } }).body,
    ).toMatchObject({ run_uuid: null, reason: 'missing_run_id' });
  });

  it.each(['deadline', 'error', 'client_gone'] as const)(
    'a pending run (%s) is 500 seer_run_pending with Retry-After and its retry_token',
    (why) => {
      expect(httpAnswerFor({ kind: 'pending', runUuid: UUID, why })).toEqual({
        status: 500,
        headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
        body: { error: 'seer_run_pending', detail: expect.any(String), retry_token: UUID },
      });
    },
  );

  it("a POST its organization's queue held for the whole sync wait is 500 seer_run_pending with the queue's Retry-After, saying nothing was started", () => {
    expect(
      httpAnswerFor({ kind: 'pending', runUuid: UUID, why: 'queued', retryAfterS: 7 }),
    ).toEqual({
      status: 500,
      headers: { 'retry-after': '7' },
      body: {
        error: 'seer_run_pending',
        detail: expect.stringContaining('the run was not started'),
        retry_token: UUID,
      },
    });
  });

  it('Temporal unreachable is 503 temporal_unavailable with Retry-After', () => {
    expect(httpAnswerFor({ kind: 'temporal_unavailable' })).toEqual({
      status: 503,
      headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
      body: { error: 'temporal_unavailable', detail: expect.any(String) },
    });
  });

  it("Seer unavailable on the direct path is 502 seer_unavailable with Seer's Retry-After in whole seconds", () => {
    expect(
      httpAnswerFor({ kind: 'seer_unavailable', seerStatus: 429, retryAfterMs: 1500 }),
    ).toEqual({
      status: 502,
      headers: { 'retry-after': '2' },
      body: { error: 'seer_unavailable', detail: expect.any(String), seer_status: 429 },
    });
    expect(httpAnswerFor({ kind: 'seer_unavailable' })).toEqual({
      status: 502,
      headers: {},
      body: { error: 'seer_unavailable', detail: expect.any(String), seer_status: null },
    });
  });
});
