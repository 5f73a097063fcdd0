// The README's retry rule as the client follows it, row by row: each answer → the run's outcome,
// the next request (with or without a token, after how long), or the typed error.
import { InvalidRequestError, SeerRunsApiError } from '../../src/client';
import { nextStep } from '../../src/client/retry-rule';
import type { ClientAnswer } from '../../src/client/types';

const TOKEN = '6f1c0d2e-8a1b-4c3d-9e4f-5a6b7c8d9e0f';

function answer(
  status: number,
  body: unknown = {},
  extra: Partial<ClientAnswer> = {},
): ClientAnswer {
  const error =
    status >= 400 && typeof body === 'object' && body !== null && 'error' in body
      ? String(body.error)
      : null;
  return {
    method: 'POST',
    path: '/v1/organizations/1/seer-runs',
    sentToken: null,
    status,
    error,
    retryAfterS: null,
    body,
    unreachable: null,
    ...extra,
  };
}

describe('the retry rule', () => {
  it('201 is LIVE, created by this request; 200 is LIVE, joined', () => {
    expect(nextStep(answer(201, { run_id: 7, run_uuid: TOKEN, status: 'LIVE' }), true)).toEqual({
      kind: 'settled',
      outcome: { status: 'LIVE', run_id: 7, run_uuid: TOKEN, created: true },
    });
    expect(nextStep(answer(200, { run_id: 0, run_uuid: TOKEN, status: 'LIVE' }), true)).toEqual({
      kind: 'settled',
      outcome: { status: 'LIVE', run_id: 0, run_uuid: TOKEN, created: false },
    });
  });

  it('a direct-path 200 is LIVE with no run_uuid', () => {
    expect(nextStep(answer(200, { run_id: 3, run_uuid: null }), true)).toMatchObject({
      kind: 'settled',
      outcome: { status: 'LIVE', run_id: 3, run_uuid: null },
    });
  });

  it('a 503 sends the same request again after its Retry-After, keeping the token', () => {
    const step = nextStep(
      answer(
        503,
        { error: 'temporal_unavailable', detail: 'x' },
        { retryAfterS: 5, sentToken: TOKEN },
      ),
      true,
    );
    expect(step).toEqual({ kind: 'again', retryToken: TOKEN, pauseMs: 5_000 });
  });

  it('a 503 without Retry-After, or an unreachable API, is sent again after 1 s', () => {
    expect(nextStep(answer(503, { error: 'temporal_unavailable' }), true)).toEqual({
      kind: 'again',
      retryToken: null,
      pauseMs: 1_000,
    });
    expect(nextStep(answer(503, { error: 'shutting_down' }), true)).toEqual({
      kind: 'again',
      retryToken: null,
      pauseMs: 1_000,
    });
    expect(
      nextStep(answer(0, null, { unreachable: 'ECONNREFUSED', sentToken: TOKEN }), true),
    ).toEqual({ kind: 'again', retryToken: TOKEN, pauseMs: 1_000 });
  });

  it('a 500 seer_run_pending is followed with its retry_token after its Retry-After (at most 60 s)', () => {
    const pending = { error: 'seer_run_pending', detail: 'x', retry_token: TOKEN };
    expect(nextStep(answer(500, pending, { retryAfterS: 1 }), true)).toEqual({
      kind: 'again',
      retryToken: TOKEN,
      pauseMs: 1_000,
    });
    expect(nextStep(answer(500, pending, { retryAfterS: 600 }), true)).toEqual({
      kind: 'again',
      retryToken: TOKEN,
      pauseMs: 60_000,
    });
  });

  it('a 404 run_not_found for a token is sent again at once without it, when the key names the run', () => {
    const notFound = answer(404, { error: 'run_not_found', detail: 'x' }, { sentToken: TOKEN });
    expect(nextStep(notFound, true)).toEqual({ kind: 'again', retryToken: null, pauseMs: 0 });
  });

  it('a 404 for a token with no key to resend under is an error (a resend would be another run)', () => {
    const notFound = answer(404, { error: 'run_not_found', detail: 'x' }, { sentToken: TOKEN });
    const step = nextStep(notFound, false);
    expect(step.kind).toBe('error');
    expect(step.kind === 'error' && step.error).toMatchObject({
      status: 404,
      code: 'run_not_found',
    });
  });

  it.each([
    ['seer_rejected', 'seer_rejected', 400, 400],
    ['seer_invalid_response', 'missing_run_id', undefined, null],
    ['seer_run_failed', 'retries_exhausted', undefined, null],
  ])('a 502 %s is FAILED with its reason (%s), not an error', (code, reason, sent, seerStatus) => {
    const body = { error: code, detail: 'why', run_uuid: TOKEN, reason, seer_status: sent };
    expect(nextStep(answer(502, body), true)).toEqual({
      kind: 'settled',
      outcome: {
        status: 'FAILED',
        run_uuid: TOKEN,
        reason,
        seer_status: seerStatus,
        error: code,
        detail: 'why',
      },
    });
  });

  it.each([
    [400, { error: 'invalid_request', detail: 'x', issues: [{ path: 'type', message: 'm' }] }],
    [401, { error: 'unauthorized', detail: 'x' }],
    [403, { error: 'forbidden', detail: 'x' }],
    [404, { error: 'run_not_found', detail: 'x' }],
    [413, { error: 'payload_too_large', detail: 'x' }],
    [415, { error: 'unsupported_media_type', detail: 'x' }],
    [422, { error: 'idempotency_key_reused', detail: 'x', run_uuid: TOKEN }],
    [422, { error: 'retry_token_mismatch', detail: 'x' }],
    [502, { error: 'seer_unavailable', detail: 'x', seer_status: 503 }],
    [500, { error: 'internal_error', detail: 'x', request_id: 'r' }],
    [504, '<html>gateway timeout</html>'],
  ])('%i %j is a typed error carrying its code', (status, body) => {
    const step = nextStep(answer(status, body), true);
    expect(step.kind).toBe('error');
    if (step.kind !== 'error') return;
    expect(step.error).toBeInstanceOf(SeerRunsApiError);
    expect(step.error.status).toBe(status);
    expect(step.error.code).toBe(typeof body === 'string' ? `http_${status}` : body.error);
  });

  it('a 400 invalid_request is an InvalidRequestError with its issues, marked as sent', () => {
    const issues = [{ path: 'request.query', message: 'Too small' }];
    const step = nextStep(answer(400, { error: 'invalid_request', detail: 'x', issues }), true);
    expect(step.kind === 'error' && step.error).toBeInstanceOf(InvalidRequestError);
    expect(step.kind === 'error' && step.error).toMatchObject({ issues, sent: true });
  });

  it('a 2xx without a run_id, or a 500 pending without a token, is an error, never a guess', () => {
    expect(nextStep(answer(201, { status: 'LIVE' }), true).kind).toBe('error');
    expect(nextStep(answer(500, { error: 'seer_run_pending', detail: 'x' }), true).kind).toBe(
      'error',
    );
  });
});
