// A Seer outcome that did not create the run → the failure, message and log fields the activity
// and the direct path report (src/seer/outcome-failure.ts).
import { FailureReason, MAX_RETRY_DELAY_MS } from '../../src/domain';
import { outcomeFailure } from '../../src/seer/outcome-failure';

describe('a terminal outcome', () => {
  it('with a Seer status: the failure carries it', () => {
    expect(
      outcomeFailure({
        kind: 'terminal',
        reason: FailureReason.seer_rejected,
        seerStatus: 400,
        bodySnippet: '{"detail":"bad"}',
      }),
    ).toEqual({
      kind: 'terminal',
      failure: { reason: 'seer_rejected', seer_status: 400 },
      seerStatus: 400,
      message: 'Seer answered 400: seer_rejected',
      logFields: { reason: 'seer_rejected', seer_status: 400, seer_body: '{"detail":"bad"}' },
    });
  });

  it('without one: no seer_status in the failure, null beside it', () => {
    const failed = outcomeFailure({ kind: 'terminal', reason: FailureReason.invalid_json_body });
    expect(failed).toMatchObject({
      failure: { reason: 'invalid_json_body' },
      seerStatus: null,
      message: 'Seer answered : invalid_json_body',
    });
    expect(failed.kind === 'terminal' && 'seer_status' in failed.failure).toBe(false);
  });
});

describe('a transient outcome', () => {
  it("an HTTP answer: Retry-After kept as it came, and capped for the next attempt's delay", () => {
    expect(
      outcomeFailure({
        kind: 'transient',
        seerStatus: 429,
        retryAfterMs: 120_000,
        cause: 'http_429',
      }),
    ).toEqual({
      kind: 'transient',
      seerStatus: 429,
      retryAfterMs: 120_000,
      nextRetryDelayMs: MAX_RETRY_DELAY_MS,
      message: 'Seer unavailable (429)',
      logFields: { seer_status: 429, cause: 'http_429' },
    });
  });

  it('a network failure: named by its cause, no delay of its own', () => {
    expect(outcomeFailure({ kind: 'transient', cause: 'ECONNREFUSED' })).toEqual({
      kind: 'transient',
      seerStatus: null,
      retryAfterMs: undefined,
      nextRetryDelayMs: undefined,
      message: 'Seer unavailable (ECONNREFUSED)',
      logFields: { seer_status: undefined, cause: 'ECONNREFUSED' },
    });
  });

  it('a Retry-After under the cap is kept', () => {
    expect(
      outcomeFailure({
        kind: 'transient',
        seerStatus: 503,
        retryAfterMs: 2_000,
        cause: 'http_503',
      }),
    ).toMatchObject({ retryAfterMs: 2_000, nextRetryDelayMs: 2_000 });
  });
});
