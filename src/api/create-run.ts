// POST /v1/organizations/{org}/seer-runs as a decision: validate and bind the body, then retry
// an existing run (retry_token), start one on Temporal (mirror path) or call Seer (direct path).
import type { FastifyBaseLogger as Logger } from 'fastify';
import { orgSetHas, type Config } from '../config';
import type { RunOutcome } from '../domain/run-outcome';
import type { SeerClient } from '../seer/client';
import type { Admission } from './admission';
import type { RequestBound, RunGateway } from '../temporal/client/gateway';
import { invalidRequest } from './api-error';
import { callSeerDirectly } from './direct-path';
import { bodySha256 } from './idempotency';
import type { ApiMetrics } from './metrics';
import { retryRun, startMirrored } from './mirror-path';
import { requestBound } from './request-bound';
import { bindRunRequest, type RunRequest } from '../contract/run-request';
import type { CreateRunBody } from '../contract/seer-runs-requests';

export interface CreateRunDeps {
  config: Config;
  runs: RunGateway;
  /** The direct path's one call; the SeerClient in production. */
  seer: Pick<SeerClient, 'startRun'>;
  metrics: ApiMetrics;
  /** Per-organization turns for the POSTs that start runs; null when SEER_RUNS_FAIRNESS=off. */
  admission: Admission | null;
}

export interface CreateRunArgs {
  organizationId: number;
  body: CreateRunBody;
  idempotencyKey: string | undefined;
  /** This request's id: echoed in the workflow's result when this request created the run. */
  startedBy: string;
  /** When the request arrived (ms since the epoch): its sync wait is counted from here. */
  arrivedAt: number;
  /** Fires when the HTTP client goes away: nothing waits for it any longer. */
  signal: AbortSignal;
  log: Logger;
}

/** A POST whose body is bound to its organization, with the fingerprint a reused key must match. */
export interface BoundPost {
  deps: CreateRunDeps;
  args: CreateRunArgs;
  run: RunRequest;
  /** Computed when first read: a POST its organization's queue sends away never needs it. */
  readonly bodySha256: string;
  /** Every call made for this POST ends by its deadline: SYNC_WAIT_TIMEOUT_MS after its arrival. */
  bound: RequestBound;
}

export async function createRun(deps: CreateRunDeps, args: CreateRunArgs): Promise<RunOutcome> {
  const binding = bindRunRequest(args.organizationId, args.body);
  if (!binding.ok) throw invalidRequest('the request body', binding.issues);
  const { run } = binding;
  // Spec §3: a POST answers within the sync wait of its arrival, whatever Seer and Temporal do.
  const scope = requestBound(args, deps.config.syncWaitTimeoutMs);
  let fingerprint: string | undefined;
  const post: BoundPost = {
    deps,
    args,
    run,
    // Canonical JSON and SHA-256 only for a POST that starts, joins or retries a keyed run: in a
    // burst most of an organization's POSTs are sent away before either (mirror-path.ts).
    get bodySha256() {
      return (fingerprint ??= bodySha256(run));
    },
    bound: scope.bound,
  };
  try {
    // A retry_token names a run in Temporal whatever the organization's path.
    if (args.body.retry_token !== undefined) return await retryRun(post, args.body.retry_token);
    if (orgSetHas(deps.config.mirrorOrgs, args.organizationId)) return await startMirrored(post);
    return await callSeerDirectly(post);
  } finally {
    scope.release();
  }
}
