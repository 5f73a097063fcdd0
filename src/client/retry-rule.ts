// README "How a client should retry", as one pure function: given the answer to a POST, the run's
// outcome, the next request to send (and when), or the error to throw. Tested row by row.
import { isFailureReason } from '../domain/seer-run';
import { ApiErrorCode } from '../contract/error-codes';
import { apiErrorOf, type SeerRunsApiError } from './errors';
import type { ClientAnswer, FailedCode, StartRunOutcome } from './types';

/** A run's end as startRun returns it, without the trail (key, answers) the loop adds. */
export type Settled = DistributiveOmit<
  Extract<StartRunOutcome, { status: 'LIVE' | 'FAILED' }>,
  'idempotency_key' | 'answers'
>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type Step =
  | { kind: 'settled'; outcome: Settled }
  /** Send the same body again, with `retryToken` (or none), after `pauseMs`. */
  | { kind: 'again'; retryToken: string | null; pauseMs: number }
  | { kind: 'error'; error: SeerRunsApiError };

/** A 503's or an unreachable API's pause when no Retry-After says otherwise (README: "after Retry-After"). */
export const DEFAULT_PAUSE_MS = 1_000;
/** The API bounds every Retry-After it sends to 60 s; a proxy's longer one is bounded the same. */
export const MAX_PAUSE_MS = 60_000;

const FAILED_CODES: ReadonlySet<string> = new Set<FailedCode>([
  ApiErrorCode.seer_rejected,
  ApiErrorCode.seer_invalid_response,
  ApiErrorCode.seer_run_failed,
]);

function pauseOf(answer: ClientAnswer): number {
  if (answer.retryAfterS === null) return DEFAULT_PAUSE_MS;
  return Math.min(MAX_PAUSE_MS, Math.max(0, answer.retryAfterS * 1_000));
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

/**
 * The next step after `answer`. `mayResendWithoutToken`: the Idempotency-Key sent names the run the
 * token names (the token came from an answer to this key), so a 404 for the token means "never
 * started: send it again without the token" and the key keeps it one run.
 */
export function nextStep(answer: ClientAnswer, mayResendWithoutToken: boolean): Step {
  const { status, body } = answer;
  const again = (retryToken: string | null, pauseMs: number): Step => ({
    kind: 'again',
    retryToken,
    pauseMs,
  });
  const error = (): Step => ({
    kind: 'error',
    error: apiErrorOf(status, body, answer.retryAfterS),
  });

  if (status === 0) return again(answer.sentToken, DEFAULT_PAUSE_MS);
  if (status === 200 || status === 201) {
    const runId = field(body, 'run_id');
    const runUuid = field(body, 'run_uuid');
    if (typeof runId !== 'number' || (typeof runUuid !== 'string' && runUuid !== null)) {
      return error();
    }
    return {
      kind: 'settled',
      outcome: { status: 'LIVE', run_id: runId, run_uuid: runUuid, created: status === 201 },
    };
  }
  if (status === 503) return again(answer.sentToken, pauseOf(answer));
  if (status === 500 && answer.error === ApiErrorCode.seer_run_pending) {
    const token = field(body, 'retry_token');
    if (typeof token !== 'string') return error();
    return again(token, pauseOf(answer));
  }
  if (
    status === 404 &&
    answer.error === ApiErrorCode.run_not_found &&
    answer.sentToken !== null &&
    mayResendWithoutToken
  ) {
    return again(null, 0);
  }
  if (status === 502 && answer.error !== null && FAILED_CODES.has(answer.error)) {
    const reason = field(body, 'reason');
    const runUuid = field(body, 'run_uuid');
    const seerStatus = field(body, 'seer_status');
    const detail = field(body, 'detail');
    if (!isFailureReason(reason)) return error();
    return {
      kind: 'settled',
      outcome: {
        status: 'FAILED',
        run_uuid: typeof runUuid === 'string' ? runUuid : null,
        reason,
        seer_status: typeof seerStatus === 'number' ? seerStatus : null,
        error: answer.error as FailedCode,
        detail: typeof detail === 'string' ? detail : '',
      },
    };
  }
  // Every other answer is final: a 4xx is the request's fault (a 422's key names another body), a
  // 502 seer_unavailable is the direct path's (no idempotency there: a resend could make a second
  // Seer run, so the caller decides), another 5xx is not in the rule.
  return error();
}
