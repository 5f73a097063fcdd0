// The decision table of seer-api.md as one pure function: Seer's HTTP answer → a SeerOutcome.
// Every row has a test in test/unit/classify-answer.test.ts; change both together.
import { FailureReason } from '../domain';
import type { SeerAck, SeerOutcome } from './outcome';

export interface SeerAnswer {
  status: number;
  /** As undici and node:http give them: lower-case names, repeated headers as arrays. */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

const SNIPPET_BYTES = 512;

/** `nowMs` is only read to turn an HTTP-date Retry-After into a delay. */
export function classifyAnswer(answer: SeerAnswer, nowMs: number): SeerOutcome {
  return classifyFailure(answer, nowMs) ?? classifySuccess(answer);
}

/** For follow-up requests whose body we ignore: any 2xx is taken, the rest reads as above. */
export function classifyAck(answer: SeerAnswer, nowMs: number): SeerAck {
  const failure = classifyFailure(answer, nowMs);
  if (failure === null) return { kind: 'ok', seerStatus: answer.status };
  if (failure.kind === 'transient') return failure;
  return {
    kind: 'terminal',
    seerStatus: answer.status,
    cause: `http_${answer.status}`,
    bodySnippet: failure.bodySnippet,
  };
}

type Failure = Extract<SeerOutcome, { kind: 'terminal' | 'transient' }>;

function classifyFailure({ status, headers, body }: SeerAnswer, nowMs: number): Failure | null {
  if (status >= 200 && status <= 299) return null;
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    // RFC 9110 lets a 503 carry Retry-After too, and the direct path passes it on.
    const retryAfterMs = parseRetryAfterMs(headerValue(headers, 'retry-after'), nowMs);
    return {
      kind: 'transient',
      seerStatus: status,
      cause: `http_${status}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  // 3xx (we follow no redirect: a moved Seer is a configuration error), the other 4xx, and
  // anything outside HTTP's ranges: sending the same request again cannot help.
  return terminal(FailureReason.seer_rejected, body, status);
}

function classifySuccess({ status, body }: SeerAnswer): SeerOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    // Covers the empty body (204 included), invalid UTF-8 and invalid JSON alike.
    return terminal(FailureReason.invalid_json_body, body, status);
  }
  if (!isPlainObject(parsed)) return terminal(FailureReason.invalid_json_body, body, status);

  const runId = Object.hasOwn(parsed, 'run_id') ? parsed.run_id : undefined;
  if (runId === undefined || runId === null) {
    return terminal(FailureReason.missing_run_id, body, status);
  }
  // Safe integers only: a larger id would be kept as a different number than Seer's.
  if (typeof runId !== 'number' || !Number.isSafeInteger(runId) || runId < 0) {
    return terminal(FailureReason.invalid_run_id, body, status);
  }
  return {
    kind: 'live',
    runId,
    hasExplorerIndex: booleanOrNull(parsed.has_explorer_index),
    hasOrgProjectContext: booleanOrNull(parsed.has_org_project_context),
  };
}

function terminal(reason: FailureReason, body: Uint8Array, seerStatus: number): Failure {
  return {
    kind: 'terminal',
    reason,
    seerStatus,
    bodySnippet: new TextDecoder('utf-8').decode(body.subarray(0, SNIPPET_BYTES)),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function booleanOrNull(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function headerValue(headers: SeerAnswer['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

const DELAY_SECONDS = /^-?\d+(?:\.\d+)?$/;

/** Seconds or an HTTP-date; unreadable → undefined (plain backoff), past or negative → 0. */
function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const ms = DELAY_SECONDS.test(text) ? Math.round(Number(text) * 1000) : Date.parse(text) - nowMs;
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}
