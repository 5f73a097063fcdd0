// The `startSeerRun` activity around a stub Seer, in Temporal's mock activity environment: each
// outcome's result or failure, its log line, and the request number under every recorded form of
// the activity's second argument (activity arguments live in history).
import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import {
  createStartSeerRun,
  type SeerRunStarter,
  type StartSeerRunResult,
} from '../../activities/start-seer-run';
import {
  retryDelayMs,
  RunType,
  type RecordedAttemptsBefore,
  type SeerRunInput,
} from '../../src/domain';
import type { SeerOutcome } from '../../src/seer/outcome';
import { LOCAL_TOKEN_WAIT_MS, type SeerBudget } from '../../activities/seer-budget';

const input: SeerRunInput = {
  run_uuid: '3b241101-e2bb-4255-8caf-4136c566a962',
  type: RunType.explorer,
  organization_id: 42,
  project_id: 7,
  request: { organization_id: 42, query: 'why is checkout slow?' },
  viewer_context: null,
  explorer_index_trigger: true,
  heal_window_ms: 60_000,
  attempt_timeout_ms: 1_000,
  started_by: 'test',
};

async function attempt(
  outcome: SeerOutcome,
  options: {
    temporalAttempt?: number;
    before?: RecordedAttemptsBefore;
    request?: Record<string, unknown>;
    onAsk?: () => void;
    seerBudget?: SeerBudget;
    info?: { isLocal?: boolean; startToCloseTimeoutMs?: number };
  } = {},
) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const seer: SeerRunStarter = {
    startRun: () => {
      options.onAsk?.();
      return Promise.resolve(outcome);
    },
  };
  const startSeerRun = createStartSeerRun({
    seer,
    logger: pino({ base: null, timestamp: false, level: 'debug' }, sink),
    seerBudget: options.seerBudget,
  });
  const env = new MockActivityEnvironment({
    attempt: options.temporalAttempt ?? 1,
    ...options.info,
  });
  const args: SeerRunInput = { ...input, request: options.request ?? input.request };
  const run: Promise<StartSeerRunResult> =
    options.before === undefined
      ? env.run(startSeerRun, args)
      : env.run(startSeerRun, args, options.before);
  const settled = await run.then(
    (result) => ({ result, failure: undefined }),
    (failure: unknown) => ({ result: undefined, failure: failure as ApplicationFailure }),
  );
  return { ...settled, log: lines };
}

const live: SeerOutcome = {
  kind: 'live',
  runId: 5,
  hasExplorerIndex: false,
  hasOrgProjectContext: null,
};
const bindings = { run_uuid: input.run_uuid, type: 'explorer', organization_id: 42, project_id: 7 };

describe('the request number', () => {
  it.each<[string, RecordedAttemptsBefore, number, number]>([
    ['the first attempt (v1, local): no second argument', undefined, 1, 1],
    ['a retry after the local attempt: { sent_before: 1 }', { sent_before: 1 }, 2, 3],
    ['a retry scheduled by an older worker: a bare 1 in history', 1, 2, 3],
  ])('%s', async (_case, before, temporalAttempt, expected) => {
    const { result, log } = await attempt(live, { before, temporalAttempt });
    expect(result?.attempt).toBe(expected);
    expect(log[0]).toMatchObject({ attempt: expected });
  });
});

describe('each outcome', () => {
  it('live: the run id, the flags, and an info line', async () => {
    const { result, log } = await attempt(live);
    expect(result).toEqual({
      run_id: 5,
      has_explorer_index: false,
      has_org_project_context: null,
      attempt: 1,
    });
    expect(log).toEqual([
      {
        level: 30,
        ...bindings,
        attempt: 1,
        status: 'LIVE',
        run_id: 5,
        msg: 'Seer created the run',
      },
    ]);
  });

  it('terminal: a non-retryable failure named by its reason, and an error line', async () => {
    const { failure, log } = await attempt(
      { kind: 'terminal', reason: 'seer_rejected', seerStatus: 400, bodySnippet: 'bad' },
      { before: { sent_before: 1 }, temporalAttempt: 2 },
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      message: 'Seer answered 400: seer_rejected',
      type: 'seer_rejected',
      nonRetryable: true,
      details: [{ attempt: 3, seer_status: 400 }],
    });
    expect(log).toEqual([
      {
        level: 50,
        ...bindings,
        attempt: 3,
        status: 'FAILED',
        reason: 'seer_rejected',
        seer_status: 400,
        seer_body: 'bad',
        msg: 'Seer answered with a terminal error',
      },
    ]);
  });

  it("transient: a retryable failure carrying Seer's capped Retry-After, and a warn line", async () => {
    const { failure, log } = await attempt({
      kind: 'transient',
      seerStatus: 429,
      retryAfterMs: 120_000,
      cause: 'http_429',
    });
    expect(failure).toMatchObject({
      message: 'Seer unavailable (429)',
      type: 'seer_transient',
      nonRetryable: false,
      nextRetryDelay: 60_000,
      details: [{ attempt: 1, seer_status: 429, next_retry_delay_ms: 60_000 }],
    });
    expect(log).toEqual([
      {
        level: 40,
        ...bindings,
        attempt: 1,
        status: 'PENDING',
        seer_status: 429,
        cause: 'http_429',
        next_retry_delay_ms: 60_000,
        msg: 'Seer is unavailable; the attempt will be retried',
      },
    ]);
  });

  it("transient without an answer: named by its cause, the policy's backoff as its delay", async () => {
    const { failure } = await attempt({ kind: 'transient', cause: 'ECONNREFUSED' });
    expect(failure).toMatchObject({
      message: 'Seer unavailable (ECONNREFUSED)',
      nextRetryDelay: retryDelayMs(input.run_uuid, 1, undefined),
      details: [
        {
          attempt: 1,
          seer_status: null,
          next_retry_delay_ms: retryDelayMs(input.run_uuid, 1, undefined),
        },
      ],
    });
  });

  it('a request that fails its schema: invalid_payload, Seer never asked', async () => {
    const { failure, log } = await attempt(live, { request: { organization_id: 42, query: '' } });
    expect(failure).toMatchObject({
      type: 'invalid_payload',
      nonRetryable: true,
      details: [{ attempt: 0, seer_status: null }],
    });
    expect(log).toMatchObject([{ level: 50, status: 'FAILED', reason: 'invalid_payload' }]);
  });
});

describe('the next delay (seer-runs.md §4)', () => {
  const unavailable = (retryAfterMs?: number): SeerOutcome => ({
    kind: 'transient',
    seerStatus: 503,
    cause: 'http_503',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

  // Each delay carries the run's jitter: a Retry-After is a minimum (up to a fifth longer, at most
  // 60 s), the policy's backoff a maximum (up to a fifth shorter).
  it.each<[string, SeerOutcome, number, number, number]>([
    ['Retry-After: 0 counts as 1 s (no tight loop)', unavailable(0), 1, 1_000, 1_200],
    ['a Retry-After below 1 s counts as 1 s', unavailable(200), 2, 1_000, 1_200],
    ['Retry-After: 3600 is capped at 60 s', unavailable(3_600_000), 1, 60_000, 60_000],
    [
      'Retry-After: 55 is honoured, and jitter never takes it above 60 s',
      unavailable(55_000),
      1,
      55_000,
      60_000,
    ],
    ['Retry-After: 5 is honoured on a retry', unavailable(5_000), 4, 5_000, 6_000],
    [
      "no Retry-After after the 3rd request: the policy's 4 s, shortened",
      unavailable(),
      3,
      3_200,
      4_000,
    ],
    ['no Retry-After after the 10th request: at most 60 s', unavailable(), 10, 48_000, 60_000],
  ])('%s', async (_case, outcome, temporalAttempt, min, max) => {
    const { failure } = await attempt(outcome, { temporalAttempt });
    const delay = failure?.nextRetryDelay as number;
    expect(delay).toBeGreaterThanOrEqual(min);
    expect(delay).toBeLessThanOrEqual(max);
    expect(failure).toMatchObject({
      type: 'seer_transient',
      nonRetryable: false,
      details: [{ attempt: temporalAttempt, seer_status: 503, next_retry_delay_ms: delay }],
    });
  });
});

describe('the heal window, judged between attempts', () => {
  const unavailable: SeerOutcome = { kind: 'transient', seerStatus: 503, cause: 'http_503' };

  it('a transient answer whose next request would go after the window ends the run, logged once', async () => {
    const before = { sent_before: 1, heal_window_ends_at_ms: Date.now() + 1_500 };
    const { failure, log } = await attempt(unavailable, { before, temporalAttempt: 2 });
    // Request 3's backoff is 4 s: past the window.
    expect(failure).toMatchObject({
      type: 'retries_exhausted',
      nonRetryable: true,
      details: [
        {
          attempt: 3,
          seer_status: 503,
          next_retry_delay_ms: retryDelayMs(input.run_uuid, 3, undefined),
        },
      ],
    });
    expect(log).toEqual([
      {
        level: 50,
        ...bindings,
        attempt: 3,
        status: 'FAILED',
        reason: 'retries_exhausted',
        seer_status: 503,
        cause: 'http_503',
        msg: 'Seer did not create the run within the heal window',
      },
    ]);
  });

  it('a transient answer whose next request still fits is retried', async () => {
    const before = { sent_before: 1, heal_window_ends_at_ms: Date.now() + 60_000 };
    const { failure } = await attempt(unavailable, { before, temporalAttempt: 2 });
    expect(failure).toMatchObject({
      type: 'seer_transient',
      nextRetryDelay: retryDelayMs(input.run_uuid, 3, undefined),
    });
  });

  it('an answer that came after the window ended still makes the run LIVE', async () => {
    const before = { sent_before: 1, heal_window_ends_at_ms: Date.now() - 1 };
    const { result } = await attempt(live, { before, temporalAttempt: 1 });
    expect(result).toMatchObject({ run_id: 5, attempt: 2 });
  });

  it('a retry the server scheduled past the window (its attempt died mid-request) asks Seer once more: LIVE if Seer made the run', async () => {
    let asked = 0;
    const before = { sent_before: 1, heal_window_ends_at_ms: Date.now() - 1 };
    const { result } = await attempt(live, { before, temporalAttempt: 3, onAsk: () => asked++ });
    expect(asked).toBe(1);
    expect(result).toMatchObject({ run_id: 5, attempt: 4 });
  });

  it('that retry answered transient ends the run retries_exhausted with its own answer', async () => {
    let asked = 0;
    const before = { sent_before: 1, heal_window_ends_at_ms: Date.now() - 1 };
    const { failure } = await attempt(unavailable, {
      before,
      temporalAttempt: 3,
      onAsk: () => asked++,
    });
    expect(asked).toBe(1);
    expect(failure).toMatchObject({
      type: 'retries_exhausted',
      nonRetryable: true,
      details: [{ attempt: 4, seer_status: 503 }],
    });
  });
});

describe('with a Seer cap, every request takes a token from the worker budget first', () => {
  /** A gate that answers `granted` and remembers how long each caller would wait. */
  function gate(granted: boolean) {
    const waits: number[] = [];
    const seerBudget: SeerBudget = {
      gate: {
        acquire: (maxWaitMs) => {
          waits.push(maxWaitMs);
          return Promise.resolve(granted);
        },
      },
      requestTimeoutMs: 1_000,
    };
    return { seerBudget, waits };
  }

  it('the local first attempt waits briefly for its token, then asks Seer', async () => {
    const { seerBudget, waits } = gate(true);
    let asked = 0;
    const { result } = await attempt(live, {
      seerBudget,
      info: { isLocal: true, startToCloseTimeoutMs: 3_000 },
      onAsk: () => asked++,
    });
    expect(result).toMatchObject({ run_id: 5, attempt: 1 });
    expect(waits).toEqual([LOCAL_TOKEN_WAIT_MS]);
    expect(asked).toBe(1);
  });

  it('a regular activity waits what its start-to-close leaves beside the request timeout and 1 s', async () => {
    const { seerBudget, waits } = gate(true);
    await attempt(live, {
      seerBudget,
      before: { sent_before: 1 },
      info: { isLocal: false, startToCloseTimeoutMs: 6_000 },
    });
    expect(waits).toEqual([6_000 - 1_000 - 1_000]);
  });

  it('no token in time: seer_request_not_sent, non-retryable, Seer never asked, the count sent before in its details', async () => {
    const { seerBudget } = gate(false);
    let asked = 0;
    const { failure, log } = await attempt(live, {
      seerBudget,
      temporalAttempt: 3,
      before: { sent_before: 1 },
      info: { isLocal: false, startToCloseTimeoutMs: 6_000 },
      onAsk: () => asked++,
    });
    expect(asked).toBe(0);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'seer_request_not_sent',
      nonRetryable: true,
      details: [{ attempt: 3, seer_status: null }],
    });
    expect(log).toMatchObject([{ level: 20, attempt: 4, msg: 'no Seer request token in time' }]);
  });

  it('an invalid payload takes no token: nothing would be sent', async () => {
    const { seerBudget, waits } = gate(true);
    const { failure } = await attempt(live, {
      seerBudget,
      request: { organization_id: 42, query: '' },
    });
    expect(failure).toMatchObject({ type: 'invalid_payload' });
    expect(waits).toEqual([]);
  });
});
