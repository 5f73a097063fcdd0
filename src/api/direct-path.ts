// The direct path of a POST, for organizations not mirrored on Temporal: one request to Seer with a
// fresh key, no retries and no SeerRun, within the POST's bound. Nothing here touches Temporal.
import { v4 as uuidv4 } from 'uuid';
import { assertNever, FailureReason, MIN_RETRY_DELAY_MS, runTypeSpec } from '../domain';
import type { DirectOutcome } from '../domain/run-outcome';
import { outcomeFailure } from '../seer/outcome-failure';
import type { BoundPost } from './create-run';

export async function callSeerDirectly(post: BoundPost): Promise<DirectOutcome> {
  const { deps, args, run } = post;
  // Seer has no route for this type yet: the mirror path would fail the run the same way.
  if (runTypeSpec(run.type).seerRoute === null) {
    return { kind: 'failed', runUuid: null, failure: { reason: FailureReason.unsupported_type } };
  }
  // The old behaviour, kept for these organizations: a key of its own for each request.
  const key = uuidv4();
  const log = args.log.child({ path: 'direct', seer_key: key, type: run.type });
  const { signal } = post.bound;
  let outcome;
  try {
    outcome = await deps.seer.startRun({
      type: run.type,
      runUuid: key,
      request: run.request,
      viewerContext: run.viewer_context,
      signal,
    });
  } catch (err) {
    // Seer did not answer within the sync wait (spec §3's bound): as a timeout, a transient.
    if (!(signal.reason instanceof Error && signal.reason.name === 'TimeoutError')) throw err;
    log.warn({ err }, 'Seer did not answer within the sync wait (direct path, not retried)');
    return { kind: 'seer_unavailable' };
  }
  if (outcome.kind === 'live') {
    deps.metrics.runStarted(run.type, 'direct');
    log.info({ run_id: outcome.runId }, 'Seer created the run (direct path)');
    return { kind: 'direct_live', runId: outcome.runId };
  }
  const failed = outcomeFailure(outcome);
  switch (failed.kind) {
    case 'terminal':
      log.error(failed.logFields, 'Seer answered with a terminal error (direct path)');
      return { kind: 'failed', runUuid: null, failure: failed.failure };
    case 'transient':
      log.warn(failed.logFields, 'Seer is unavailable (direct path, not retried)');
      return {
        kind: 'seer_unavailable',
        ...(failed.seerStatus === null ? {} : { seerStatus: failed.seerStatus }),
        // Seer's own Retry-After, passed on; below 1 s it would invite a tight loop (spec §4).
        ...(failed.retryAfterMs === undefined
          ? {}
          : { retryAfterMs: Math.max(MIN_RETRY_DELAY_MS, failed.retryAfterMs) }),
      };
    default:
      return assertNever(failed);
  }
}
