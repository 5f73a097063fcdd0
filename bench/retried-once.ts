// mirror_retried_once: mirror runs at c=1 whose first Seer request is answered 503 (the fake
// Seer's control API queues one fault before each run), so each run retries once and goes LIVE.
// Not one of the four paths: its own row, beside them.
import { SeerRoute } from '../src/domain';
import { closedLoop } from './load';
import { measure } from './measure';
import type { Plan } from './plan';
import { aggregate, type ResultRow } from './report';
import type { Rig } from './rig';

export interface RetriedOnceRow extends ResultRow {
  /** Requests Seer received for these runs, per run (2: the 503, then the one that made the run). */
  seer_requests_per_run: number | null;
  /** Runs whose first request Seer answered 503, as scripted. */
  first_answered_503: number;
}

export async function retriedOnce(rig: Rig, plan: Plan): Promise<RetriedOnceRow> {
  const runUuids: string[] = [];
  const figure = await measure(rig.gauges, 'mirror', 1, () =>
    closedLoop(
      1,
      plan.retriedRuns,
      async (seq) => {
        const outcome = await rig.runners.mirror(seq);
        if (outcome.ok && outcome.workflowId) runUuids.push(outcome.workflowId);
        return outcome;
      },
      rig.nextSeq,
      // At c=1 the next request on the route is this run's first: one fault, one run.
      async () =>
        void (await rig.seerControl.queueFaults(SeerRoute.explorerChat, [{ status: 503 }])),
    ),
  );
  const [row] = aggregate([figure]);
  // The run UUID is the idempotency key our Seer client sends.
  const ours = new Set(runUuids);
  const requests = (await rig.seerControl.requests()).filter(
    (request) => request.route === SeerRoute.explorerChat && ours.has(request.key ?? ''),
  );
  // The fake records requests in the order they arrived.
  const firstOf = new Map<string, (typeof requests)[number]>();
  for (const request of requests)
    if (!firstOf.has(request.key!)) firstOf.set(request.key!, request);
  return {
    ...row!,
    seer_requests_per_run: runUuids.length
      ? Math.round((requests.length / runUuids.length) * 100) / 100
      : null,
    first_answered_503: [...firstOf.values()].filter((r) => r.status === 503).length,
  };
}
