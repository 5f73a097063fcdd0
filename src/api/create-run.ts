// POST /v1/organizations/{org}/seer-runs as a decision: validate and bind the body, then retry
// an existing run (retry_token), start one on Temporal (mirror path) or call Seer (direct path).
import type { FastifyBaseLogger as Logger } from 'fastify';
import { v4 as uuidv4 } from 'uuid';
import { orgSetHas, type Config } from '../config';
import { assertNever, FailureReason, seerRouteFor, type SeerRunInput } from '../domain';
import type { SeerClient } from '../seer/client';
import { HttpError } from '../http/http-error';
import { invalidRequest } from './api-error';
import { bodySha256, runUuidFor } from './idempotency';
import type { ApiMetrics } from './metrics';
import type { RunAnswer } from './outcome-to-http';
import { bindRunRequest, type RunRequest } from './run-request';
import type { RunService, WaitOutcome } from './run-service';
import type { CreateRunBody } from './routes/seer-runs.schemas';

export interface CreateRunDeps {
  config: Config;
  runs: RunService;
  /** The direct path's one call; the SeerClient in production. */
  seer: Pick<SeerClient, 'startRun'>;
  metrics: ApiMetrics;
}

export interface CreateRunArgs {
  organizationId: number;
  body: CreateRunBody;
  idempotencyKey: string | undefined;
  /** This request's id: echoed in the workflow's result when this request created the run. */
  startedBy: string;
  /** Fires when the HTTP client goes away: nothing waits for it any longer. */
  signal: AbortSignal;
  log: Logger;
}

/** A POST whose body is bound to its organization, with the fingerprint a reused key must match. */
interface BoundPost {
  deps: CreateRunDeps;
  args: CreateRunArgs;
  run: RunRequest;
  bodySha256: string;
}

export async function createRun(deps: CreateRunDeps, args: CreateRunArgs): Promise<RunAnswer> {
  const bound = bindRunRequest(args.organizationId, args.body);
  if (!bound.ok) throw invalidRequest('the request body', bound.issues);
  const post: BoundPost = { deps, args, run: bound.run, bodySha256: bodySha256(bound.run) };
  // A retry_token names a run in Temporal whatever the organization's path.
  if (args.body.retry_token !== undefined) return retry(post, args.body.retry_token);
  if (orgSetHas(deps.config.mirrorOrgs, args.organizationId)) return startMirrored(post);
  return callSeerDirectly(post);
}

async function startMirrored(post: BoundPost): Promise<RunAnswer> {
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
  const log = args.log.child({ run_uuid: runUuid, type: run.type });
  const outcome = await deps.runs.startAndWait(
    input,
    { body_sha256: post.bodySha256 },
    args.signal,
    log,
  );
  if (outcome.kind !== 'unavailable') deps.metrics.runStarted(run.type, 'mirror');

  // Only a run this request did not create can hold another body, so the hot path (201) skips
  // the extra describe(); a run made without a key has a fresh UUID and is always ours.
  const createdHere = outcome.kind === 'live' && outcome.startedBy === args.startedBy;
  if (args.idempotencyKey !== undefined && outcome.kind !== 'unavailable' && !createdHere) {
    await refuseReusedKey(post, runUuid);
  }
  recordWait(deps, outcome, createdHere);
  return answerFor(outcome, args.organizationId, runUuid, createdHere);
}

async function retry(post: BoundPost, retryToken: string): Promise<RunAnswer> {
  const { deps, args } = post;
  if (args.idempotencyKey !== undefined) {
    const keyed = runUuidFor(args.organizationId, args.idempotencyKey);
    if (keyed !== retryToken) {
      throw new HttpError(
        422,
        'retry_token_mismatch',
        'the retry_token and the Idempotency-Key name different runs; send one of them, or both for the same run',
      );
    }
  }
  const found = await deps.runs.find(retryToken, args.organizationId);
  if (found === null) throw runNotFound(retryToken, args.organizationId);
  if (args.idempotencyKey !== undefined) assertSameBody(post, retryToken, found.bodySha256);

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
  const outcome = await deps.runs.wait(
    retryToken,
    args.signal,
    args.log.child({ run_uuid: retryToken }),
  );
  recordWait(deps, outcome, false);
  return answerFor(outcome, args.organizationId, retryToken, false);
}

async function callSeerDirectly(post: BoundPost): Promise<RunAnswer> {
  const { deps, args, run } = post;
  // Seer has no route for this type yet: the mirror path would fail the run the same way.
  if (seerRouteFor(run.type) === null) {
    return { kind: 'failed', runUuid: null, failure: { reason: FailureReason.unsupported_type } };
  }
  // The old behaviour: one request with a fresh key, no retries and no SeerRun.
  const key = uuidv4();
  const log = args.log.child({ path: 'direct', seer_key: key, type: run.type });
  deps.metrics.runStarted(run.type, 'direct');
  const outcome = await deps.seer.startRun({
    type: run.type,
    runUuid: key,
    request: run.request,
    viewerContext: run.viewer_context,
    signal: args.signal,
  });
  switch (outcome.kind) {
    case 'live':
      log.info({ run_id: outcome.runId }, 'Seer created the run (direct path)');
      return { kind: 'direct_live', runId: outcome.runId };
    case 'terminal':
      log.error(
        { reason: outcome.reason, seer_status: outcome.seerStatus, seer_body: outcome.bodySnippet },
        'Seer answered with a terminal error (direct path)',
      );
      return {
        kind: 'failed',
        runUuid: null,
        failure:
          outcome.seerStatus === undefined
            ? { reason: outcome.reason }
            : { reason: outcome.reason, seer_status: outcome.seerStatus },
      };
    case 'transient':
      log.warn(
        { seer_status: outcome.seerStatus, cause: outcome.cause },
        'Seer is unavailable (direct path, not retried)',
      );
      return {
        kind: 'seer_unavailable',
        ...(outcome.seerStatus === undefined ? {} : { seerStatus: outcome.seerStatus }),
        ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
      };
    default:
      return assertNever(outcome);
  }
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
  if (found !== null) assertSameBody(post, runUuid, found.bodySha256);
}

function assertSameBody(post: BoundPost, runUuid: string, recorded: string | null): void {
  if (recorded === null || recorded === post.bodySha256) return;
  throw new HttpError(
    422,
    'idempotency_key_reused',
    'this Idempotency-Key already names a run made from a different body; use a new key for a new run',
    { run_uuid: runUuid },
  );
}

export function runNotFound(runUuid: string, organizationId: number): HttpError {
  return new HttpError(
    404,
    'run_not_found',
    `no run ${runUuid} for organization ${organizationId} (it may never have been made, or Temporal no longer retains it)`,
  );
}

function recordWait(deps: CreateRunDeps, outcome: WaitOutcome, createdHere: boolean): void {
  switch (outcome.kind) {
    case 'live':
      return deps.metrics.syncWaitEnded(createdHere ? 'live_created' : 'live_joined');
    case 'failed':
      return deps.metrics.syncWaitEnded('failed');
    case 'pending':
      return deps.metrics.syncWaitEnded(`pending_${outcome.why}`);
    case 'unavailable':
      return deps.metrics.syncWaitEnded('temporal_unavailable');
    default:
      return assertNever(outcome);
  }
}

function answerFor(
  outcome: WaitOutcome,
  organizationId: number,
  runUuid: string,
  createdHere: boolean,
): RunAnswer {
  switch (outcome.kind) {
    case 'live':
      return { kind: 'live', organizationId, runUuid, runId: outcome.runId, created: createdHere };
    case 'failed':
      return { kind: 'failed', runUuid, failure: outcome.failure };
    case 'pending':
      return { kind: 'pending', runUuid };
    case 'unavailable':
      return { kind: 'temporal_unavailable' };
    default:
      return assertNever(outcome);
  }
}
