// The direct path of a POST, for organizations not mirrored on Temporal: one request to Seer with a
// fresh key, no retries and no SeerRun. Nothing here touches Temporal.
import { v4 as uuidv4 } from 'uuid';
import { assertNever, FailureReason, seerRouteFor } from '../domain';
import type { DirectOutcome } from '../domain/run-outcome';
import type { BoundPost } from './create-run';

export async function callSeerDirectly(post: BoundPost): Promise<DirectOutcome> {
  const { deps, args, run } = post;
  // Seer has no route for this type yet: the mirror path would fail the run the same way.
  if (seerRouteFor(run.type) === null) {
    return { kind: 'failed', runUuid: null, failure: { reason: FailureReason.unsupported_type } };
  }
  // The old behaviour, kept for these organizations: a key of its own for each request.
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
