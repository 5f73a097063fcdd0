// The mirror path of a POST: start the run's workflow (or join the one its key names) and wait
// for it, or wait again for the run a retry_token names. Temporal sits behind the RunGateway.
import type { SeerRunInput } from '../domain';
import { assertNever } from '../domain';
import type { MirrorOutcome } from '../domain/run-outcome';
import { runNotFound } from './api-error';
import type { BoundPost } from './create-run';
import { assertSameBody, assertTokenMatchesKey, runUuidFor } from './idempotency';
import type { ApiMetrics } from './metrics';

export async function startMirrored(post: BoundPost): Promise<MirrorOutcome> {
  const { deps, args, run } = post;
  const runUuid = runUuidFor(args.organizationId, args.idempotencyKey);
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
  const outcome = await deps.runs.startAndWait(
    input,
    { body_sha256: post.bodySha256 },
    {
      signal: args.signal,
      log: args.log.child({ run_uuid: runUuid, type: run.type }),
      onEagerStart: () => deps.metrics.eagerStarted(),
    },
  );
  if (outcome.kind !== 'temporal_unavailable') deps.metrics.runStarted(run.type, 'mirror');

  // Only a run this request did not create can hold another body, so the hot path (201) skips
  // the extra describe(); a run made without a key has a fresh UUID and is always ours.
  const createdHere = outcome.kind === 'live' && outcome.created;
  if (
    args.idempotencyKey !== undefined &&
    outcome.kind !== 'temporal_unavailable' &&
    !createdHere
  ) {
    await refuseReusedKey(post, runUuid);
  }
  recordWait(deps.metrics, outcome);
  return outcome;
}

export async function retryRun(post: BoundPost, retryToken: string): Promise<MirrorOutcome> {
  const { deps, args } = post;
  assertTokenMatchesKey(args.organizationId, args.idempotencyKey, retryToken);
  const found = await deps.runs.find(retryToken, args.organizationId);
  if (found === null) throw runNotFound(retryToken, args.organizationId);
  if (args.idempotencyKey !== undefined) {
    assertSameBody(retryToken, found.bodySha256, post.bodySha256);
  }

  // A closed run answers from its description; only an open one needs the (bounded) wait.
  const { view } = found;
  if (view.status === 'LIVE' && view.run_id !== null && view.closed_at !== null) {
    return {
      kind: 'live',
      organizationId: args.organizationId,
      runUuid: retryToken,
      runId: view.run_id,
      created: false,
    };
  }
  if (view.status === 'FAILED' && view.failure !== null) {
    return { kind: 'failed', runUuid: retryToken, failure: view.failure };
  }
  const outcome = await deps.runs.wait(retryToken, args.organizationId, {
    signal: args.signal,
    log: args.log.child({ run_uuid: retryToken }),
  });
  recordWait(deps.metrics, outcome);
  return outcome;
}

/** 422 when the keyed run was made from another body. Best effort: a failed lookup lets it pass. */
async function refuseReusedKey(post: BoundPost, runUuid: string): Promise<void> {
  let found;
  try {
    found = await post.deps.runs.find(runUuid, post.args.organizationId);
  } catch (err) {
    post.args.log.warn({ err, run_uuid: runUuid }, 'could not compare the body with the keyed run');
    return;
  }
  if (found !== null) assertSameBody(runUuid, found.bodySha256, post.bodySha256);
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
