// POST /v1/organizations/{org}/seer-runs as a decision: validate and bind the body, then retry
// an existing run (retry_token), start one on Temporal (mirror path) or call Seer (direct path).
import type { FastifyBaseLogger as Logger } from 'fastify';
import { orgSetHas, type Config } from '../config';
import type { RunOutcome } from '../domain/run-outcome';
import type { SeerClient } from '../seer/client';
import type { RunGateway } from '../temporal/client/gateway';
import { invalidRequest } from './api-error';
import { callSeerDirectly } from './direct-path';
import { bodySha256 } from './idempotency';
import type { ApiMetrics } from './metrics';
import { retryRun, startMirrored } from './mirror-path';
import { bindRunRequest, type RunRequest } from './run-request';
import type { CreateRunBody } from './routes/seer-runs.schemas';

export interface CreateRunDeps {
  config: Config;
  runs: RunGateway;
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
export interface BoundPost {
  deps: CreateRunDeps;
  args: CreateRunArgs;
  run: RunRequest;
  bodySha256: string;
}

export async function createRun(deps: CreateRunDeps, args: CreateRunArgs): Promise<RunOutcome> {
  const bound = bindRunRequest(args.organizationId, args.body);
  if (!bound.ok) throw invalidRequest('the request body', bound.issues);
  const post: BoundPost = { deps, args, run: bound.run, bodySha256: bodySha256(bound.run) };
  // A retry_token names a run in Temporal whatever the organization's path.
  if (args.body.retry_token !== undefined) return retryRun(post, args.body.retry_token);
  if (orgSetHas(deps.config.mirrorOrgs, args.organizationId)) return startMirrored(post);
  return callSeerDirectly(post);
}
