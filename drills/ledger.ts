// The books of a drill: for every run the drill asked for, what it became (through the API's
// GET, as a user sees it), and what Seer made for it. Lost and duplicate runs are counted here.
import { request } from 'undici';
import { runUuidFor } from '../src/api/idempotency';
import type { RunRequest } from './client';
import type { KillFigures } from './cut-attempts';
import { DRILL_TOKEN, type Backend, type DrillTarget } from './stack';

export interface DrillResult {
  name: string;
  backend: Backend;
  requested: number;
  live: number;
  failed: number;
  failed_by_reason: Record<string, number>;
  /** Still retrying by design (Seer still failing within the heal window). */
  pending: number;
  lost: number;
  duplicates: number;
  seer_runs: number;
  max_requests_per_key: number;
  seconds: number;
  p50_ms?: number;
  p99_ms?: number;
  notes: string[];
  /** A drill that SIGKILLs a process: what the process held, and how its runs were taken over. */
  kill?: KillFigures;
  /** redrive_after_long_outage: the runs before the re-drive, the re-drive, and after it. */
  redrive?: RedriveFigures;
  /** noisy_neighbour: organization A's burst, and B's latencies before and during it. */
  noisy?: NoisyNeighbourFigures;
  /** seer_stampede: how hard the runs hit Seer when it came back, and how soon all were LIVE. */
  stampede?: StampedeFigures;
}

/** Latencies (POST to LIVE answer, the client's retries included) of one organization's runs. */
export interface Latencies {
  runs: number;
  p50_ms: number;
  p99_ms: number;
}

export interface NoisyNeighbourFigures {
  a_runs: number;
  /** From A's burst (every POST sent at once) until A's last client had its LIVE answer. */
  a_drain_seconds: number;
  /** A's POSTs, and those answered 500 seer_run_pending whose retry_token then answered 404. */
  a_posts: number;
  a_answered_queued: number;
  b_quiet: Latencies;
  b_burst: Latencies;
  /** Each of B's runs through the burst, in the order sent (one a second from the burst's start). */
  b_burst_ms: number[];
  b_answered_queued: number;
}

export interface StampedeFigures {
  cap_per_second: number;
  outage_seconds: number;
  /** Requests Seer received in each second from the outage's start on, and from its return on. */
  per_second_from_outage: number[];
  per_second_from_return: number[];
  /** The most requests in any 1 s window (sliding) from Seer's return on, and over the whole drill. */
  max_in_any_second_from_return: number;
  max_in_any_second_whole_drill: number;
  /** The longest backoff a run was in when Seer returned (its schedule, before jitter shortens it). */
  largest_backoff_seconds: number;
  /** runs / cap + largest backoff: the time by which every run must be LIVE. */
  bound_seconds: number;
  /** From Seer's return until Seer had made every run, and until every client had its LIVE answer. */
  all_made_seconds: number;
  all_clients_live_seconds: number;
}

export interface RedriveFigures {
  /** Runs the API's list showed FAILED retries_exhausted when Seer came back. */
  failed_before: number;
  /** Runs whose last attempt made their Seer run and lost its answer (Seer had their run then). */
  lost_answers: number;
  /** Of those, LIVE afterwards with that same run_id. */
  same_run_id: number;
  /** The re-drive's own summary line, and its exit code. */
  redriven: number;
  skipped: number;
  failed_to_redrive: number;
  exit_code: number;
  rate_per_second: number;
  /** The re-drive command's wall time. */
  redrive_seconds: number;
  /** From the re-drive's start until the API's list showed every run LIVE. */
  all_live_seconds: number;
  /** Rows of the API's list afterwards: one per run. */
  listed: number;
}

interface RunView {
  status: 'PENDING' | 'LIVE' | 'FAILED';
  run_id: number | null;
  failure: { reason: string } | null;
}

async function getRun(stack: DrillTarget, org: number, uuid: string): Promise<RunView | null> {
  for (let attempt = 0; ; attempt++) {
    // Each try at the next replica: one that is down (a drill's) does not stop the count.
    const api = stack.apiUrls[attempt % stack.apiUrls.length]!;
    const response = await request(`${api}/v1/organizations/${org}/seer-runs/${uuid}`, {
      headers: { authorization: `Bearer ${DRILL_TOKEN}` },
    }).catch((err: unknown) => {
      if (attempt > 50) throw err;
      return undefined;
    });
    if (!response) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const body = (await response.body.json()) as RunView;
    if (response.statusCode === 200) return body;
    if (response.statusCode === 404) return null;
    if (attempt > 50)
      throw new Error(`GET run ${uuid}: ${response.statusCode} ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Tallies the drill. `expectPending` says a PENDING run is fine (Seer still down by design);
 * otherwise a run that is neither LIVE nor FAILED counts as lost.
 */
export async function tally(
  stack: DrillTarget,
  name: string,
  runs: RunRequest[],
  started: number,
  options: {
    expectPending?: boolean;
    latenciesMs?: number[];
    notes?: string[];
    /** UUIDs of earlier drills on the same stack: their late runs are not this drill's. */
    earlier?: ReadonlySet<string>;
  } = {},
): Promise<DrillResult> {
  const views = new Map<string, RunView | null>();
  for (const run of runs)
    views.set(run.key, await getRun(stack, run.org, runUuidFor(run.org, run.key)));
  const expected = new Map(runs.map((r) => [runUuidFor(r.org, r.key), r.key]));
  const [seerRuns, seerRequests] = await Promise.all([stack.seer.runs(), stack.seer.requests()]);

  const runsPerKey = new Map<string, number>();
  let duplicates = 0;
  for (const seerRun of seerRuns) {
    // The fake Seer makes one run per key; a run under a key we never asked for is a second run
    // made for some request under another UUID.
    if (options.earlier?.has(seerRun.key)) continue;
    if (!expected.has(seerRun.key)) duplicates++;
    runsPerKey.set(seerRun.key, (runsPerKey.get(seerRun.key) ?? 0) + 1);
  }
  for (const count of runsPerKey.values()) duplicates += Math.max(0, count - 1);
  const requestsPerKey = new Map<string, number>();
  for (const r of seerRequests) {
    if (r.key && expected.has(r.key)) {
      requestsPerKey.set(r.key, (requestsPerKey.get(r.key) ?? 0) + 1);
    }
  }

  let live = 0;
  let failed = 0;
  let pending = 0;
  let lost = 0;
  const failedByReason: Record<string, number> = {};
  for (const view of views.values()) {
    if (view?.status === 'LIVE') live++;
    else if (view?.status === 'FAILED') {
      failed++;
      const reason = view.failure?.reason ?? 'unknown';
      failedByReason[reason] = (failedByReason[reason] ?? 0) + 1;
    } else if (view?.status === 'PENDING' && options.expectPending) pending++;
    else lost++;
  }
  const sorted = [...(options.latenciesMs ?? [])].sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted.length
      ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!)
      : undefined;
  const p50 = pct(0.5);
  const p99 = pct(0.99);
  return {
    name,
    backend: stack.backend,
    requested: runs.length,
    live,
    failed,
    failed_by_reason: failedByReason,
    pending,
    lost,
    duplicates,
    seer_runs: seerRuns.filter((r) => expected.has(r.key)).length,
    max_requests_per_key: Math.max(0, ...requestsPerKey.values()),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    ...(p50 === undefined ? {} : { p50_ms: p50 }),
    ...(p99 === undefined ? {} : { p99_ms: p99 }),
    notes: options.notes ?? [],
  };
}
