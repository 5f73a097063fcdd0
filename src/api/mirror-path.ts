// The mirror path of a POST: its organization's turn (admission.ts), then start the run's workflow
// (or join the one its key names), refuse a reused key at once, and wait; or wait again for the run
// a retry_token names. Temporal sits behind the RunGateway; every call counts against the bound.
import type { RunType, SeerRunInput } from '../domain';
import { assertNever } from '../domain';
import type { MirrorOutcome } from '../domain/run-outcome';
import type { Admission, Waited } from './admission';
import { runNotFound } from './api-error';
import type { BoundPost } from './create-run';
import { assertSameBody, assertTokenMatchesKey, keyUnchecked, runUuidFor } from './idempotency';
import type { ApiMetrics } from './metrics';

/**
 * Starts (or joins) the run once its organization's turn comes (SEER_RUNS_FAIRNESS), and holds the
 * turn until the answer is decided. A POST whose turn does not come within its sync wait starts
 * nothing and is answered as pending, with its queue's estimated wait as Retry-After.
 */
export async function startMirrored(post: BoundPost): Promise<MirrorOutcome> {
  const { admission } = post.deps;
  const runUuid = runUuidFor(post.args.organizationId, post.args.idempotencyKey);
  if (admission === null) return startAndWait(post, runUuid);
  const org = post.args.organizationId;
  let admittedAt = admission.enter(org);
  if (admittedAt === null) {
    const waited = await waitForTurn(post, admission);
    if (waited.kind === 'not_admitted') return notStarted(post, runUuid, waited.retryAfterS);
    admittedAt = waited.at;
  }
  try {
    return await startAndWait(post, runUuid);
  } finally {
    admission.release(org, admittedAt);
  }
}

/**
 * A queued POST leaves its queue this long before its sync wait ends (at most a quarter of the
 * wait): a turn taken later leaves no time to start the run, check its key and see it go LIVE, and
 * the answer would be a pending run or a 503 instead of "not started, send it again".
 */
export const TURN_MARGIN_MS = 1_000;

async function waitForTurn(post: BoundPost, admission: Admission): Promise<Waited> {
  const { bound } = post;
  const margin = Math.min(TURN_MARGIN_MS, post.deps.config.syncWaitTimeoutMs / 4);
  const turnWindowMs = Math.max(0, bound.deadline - margin - Date.now());
  if (!bound.signal.aborted) {
    // Sent away at once (admission.wait would say the same): no timer, signal or listener.
    const away = admission.sendsAway(post.args.organizationId, turnWindowMs);
    if (away !== null) {
      post.deps.metrics.admissionQueued();
      post.deps.metrics.admissionDequeued();
      return away;
    }
  }
  const turnEnds = new AbortController();
  const leave = () => turnEnds.abort(bound.signal.reason);
  const timer = setTimeout(
    () => turnEnds.abort(new DOMException('the turn came too late', 'TimeoutError')),
    turnWindowMs,
  );
  bound.signal.addEventListener('abort', leave, { once: true });
  if (bound.signal.aborted) leave();
  post.deps.metrics.admissionQueued();
  try {
    return await admission.wait(post.args.organizationId, turnEnds.signal, turnWindowMs);
  } finally {
    post.deps.metrics.admissionDequeued();
    clearTimeout(timer);
    bound.signal.removeEventListener('abort', leave);
  }
}

/** Its turn did not come within the sync wait (or the client left first): nothing was started. */
function notStarted(post: BoundPost, runUuid: string, retryAfterS: number): MirrorOutcome {
  const clientGone = post.bound.signal.aborted && !isDeadline(post.bound.signal.reason);
  const why = clientGone ? 'client_gone' : 'queued';
  if (why === 'queued') {
    // Debug: a burst sends hundreds away at once (counted in sync_waits_total{pending_queued}).
    post.args.log.debug(
      { run_uuid: runUuid, retry_after_s: retryAfterS },
      "not started: the organization's other POSTs held its turn for its sync wait",
    );
  }
  const outcome: MirrorOutcome = { kind: 'pending', runUuid, why, retryAfterS };
  recordWait(post.deps.metrics, outcome);
  return outcome;
}

/**
 * The request's bound aborts with a TimeoutError at its deadline (create-run.ts). By name: a
 * DOMException is no `instanceof Error` in another realm (jest's sandbox).
 */
function isDeadline(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === 'TimeoutError';
}

async function startAndWait(post: BoundPost, runUuid: string): Promise<MirrorOutcome> {
  const { deps, args, run } = post;
  const input: SeerRunInput = {
    run_uuid: runUuid,
    type: run.type,
    organization_id: args.organizationId,
    project_id: run.project_id,
    request: run.request,
    viewer_context: run.viewer_context,
    explorer_index_trigger: deps.config.explorerIndexTrigger,
    heal_window_ms: deps.config.healWindowMs,
    attempt_timeout_ms: deps.config.seer.requestTimeoutMs,
    started_by: args.startedBy,
  };
  const bound = { ...post.bound, log: args.log.child({ run_uuid: runUuid, type: run.type }) };
  const started = await deps.runs.start(input, { body_sha256: post.bodySha256 }, bound);
  if (started.kind !== 'started') {
    recordWait(deps.metrics, started);
    return started;
  }
  if (started.eagerlyStarted) deps.metrics.eagerStarted();

  // The key may name a run made from another body: refused before any wait (spec §3). A fresh v4
  // UUID names no other run, and an eager start hands the run's first task to this request only.
  if (args.idempotencyKey !== undefined && !started.eagerlyStarted) {
    await refuseReusedKey(post, runUuid);
  }
  const outcome = await deps.runs.wait(runUuid, args.organizationId, args.startedBy, bound);
  recordWait(deps.metrics, outcome);
  recordRun(deps.metrics, run.type, outcome);
  return outcome;
}

export async function retryRun(post: BoundPost, retryToken: string): Promise<MirrorOutcome> {
  const { deps, args, run } = post;
  assertTokenMatchesKey(args.organizationId, args.idempotencyKey, retryToken);
  const bound = { ...post.bound, log: args.log.child({ run_uuid: retryToken }) };
  // Temporal not answering here is a 503 (the error handler's): nothing is joined unchecked.
  const found = await deps.runs.find(retryToken, args.organizationId, bound);
  if (found === null) throw runNotFound(retryToken, args.organizationId);
  if (args.idempotencyKey !== undefined) {
    assertSameBody(retryToken, found.bodySha256, post.bodySha256);
  }

  // A closed run answers from its description; only an open one needs the (bounded) wait.
  const { view } = found;
  let outcome: MirrorOutcome;
  if (view.status === 'LIVE' && view.run_id !== null && view.closed_at !== null) {
    outcome = {
      kind: 'live',
      organizationId: args.organizationId,
      runUuid: retryToken,
      runId: view.run_id,
      created: false,
    };
  } else if (view.status === 'FAILED' && view.failure !== null) {
    outcome = { kind: 'failed', runUuid: retryToken, failure: view.failure };
  } else {
    outcome = await deps.runs.wait(retryToken, args.organizationId, null, bound);
    recordWait(deps.metrics, outcome);
  }
  recordRun(deps.metrics, run.type, outcome);
  return outcome;
}

/** 422 when the keyed run was made from another body; 503 when Temporal won't say which body. */
async function refuseReusedKey(post: BoundPost, runUuid: string): Promise<void> {
  let found;
  try {
    found = await post.deps.runs.find(runUuid, post.args.organizationId, post.bound);
  } catch (err) {
    // Never a join on an unchecked body (spec §3), whatever Temporal answered instead (a timeout,
    // a rate limit, an internal error): the start may have happened, so the answer names the run.
    post.args.log.warn({ err, run_uuid: runUuid }, 'could not compare the body with the keyed run');
    throw keyUnchecked(runUuid);
  }
  if (found !== null) assertSameBody(runUuid, found.bodySha256, post.bodySha256);
}

/** A LIVE answer is a run this API created (201) or one it joined (200): counted apart. */
function recordRun(metrics: ApiMetrics, type: RunType, outcome: MirrorOutcome): void {
  if (outcome.kind !== 'live') return;
  if (outcome.created) metrics.runStarted(type, 'mirror');
  else metrics.runJoined(type);
}

function recordWait(metrics: ApiMetrics, outcome: MirrorOutcome): void {
  switch (outcome.kind) {
    case 'live':
      return metrics.syncWaitEnded(outcome.created ? 'live_created' : 'live_joined');
    case 'failed':
      return metrics.syncWaitEnded('failed');
    case 'pending':
      return metrics.syncWaitEnded(`pending_${outcome.why}`);
    case 'temporal_unavailable':
      return metrics.syncWaitEnded('temporal_unavailable');
    default:
      return assertNever(outcome);
  }
}
