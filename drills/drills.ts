// The fault drills: each breaks one part of the stack while runs are in flight and then counts,
// through the API, that every run it asked for ended LIVE or FAILED, once. Sizes scale for CI.
// Drills in OWN_STACK need a stack with other settings (a short heal window, a cap on Seer).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { runUuidFor } from '../src/api/idempotency';
import {
  backoffMs,
  JITTER_FRACTION,
  LOCAL_ATTEMPT_LIMIT_MS,
  MAX_RETRY_DELAY_MS,
  SeerRoute,
} from '../src/domain';
import type { RecordedRequest } from '../src/fake-seer/server';
import { runRedriveCli } from '../src/redrive/cli';
import type { StackProcess } from '../src/stack/processes';
import { driveRun, pool, post, replicasFrom, type RunOutcome, type RunRequest } from './client';
import { cutAttempts, cutNote, type KillFigures } from './cut-attempts';
import { startTimedClient } from './timed-client';
import { tally, type DrillResult, type Latencies, type RedriveFigures } from './ledger';
import { DRILL_TOKEN, type DrillStack, type DrillStackOptions, type DrillTarget } from './stack';
import { activitiesInFlight, localActivitiesRun } from './worker-metrics';

const CHAT = SeerRoute.explorerChat;
// Poisoned and hung runs get routes of their own: the fake Seer's scripted answers are queued per
// route, so healthy explorer runs sent at the same time never take one of theirs.
const FEATURE = SeerRoute.featureRun;
const ASSISTED = SeerRoute.assistedQueryStart;

export interface DrillSize {
  /** Runs retrying when a standalone worker is killed. */
  workerKill: number;
  /** Runs in flight when an API process (the dev stack's, the cluster's api-1) is killed. */
  apiKill: number;
  /** Runs in flight for each restart of a cluster's service (history, matching, PostgreSQL). */
  serviceRestart: number;
  serverRestart: number;
  outage: number;
  outageSeconds: number;
  slow: number;
  poisonHealthy: number;
  /** Runs hung on Seer during the poison drill. */
  poisonHung: number;
  retryAfterZero: number;
  /** Runs of each kind (made LIVE by a late attempt, still failing) in heal_window_race. */
  healWindowRace: number;
  /** Runs whose first request hangs, and healthy runs measured with and without them. */
  hungSeer: number;
  hungHealthy: number;
  storm: number;
  load: number;
  loadConcurrency: number;
  fuzzRuns: number;
  /** Runs that end FAILED retries_exhausted and are re-driven, and how many of them lost an answer. */
  redrive: number;
  redriveLostAnswers: number;
  /** noisy_neighbour: B's runs alone (one a second), then A's burst, all sent at once. */
  noisyQuiet: number;
  noisyBurst: number;
  /** seer_stampede: runs pending through a Seer outage, its length, and the stack's cap on Seer. */
  stampede: number;
  stampedeOutageSeconds: number;
  stampedeCap: number;
}

export const FULL: DrillSize = {
  workerKill: 50,
  apiKill: 50,
  serviceRestart: 200,
  serverRestart: 200,
  outage: 40,
  outageSeconds: 20,
  slow: 20,
  poisonHealthy: 50,
  poisonHung: 20,
  retryAfterZero: 20,
  healWindowRace: 10,
  hungSeer: 200,
  hungHealthy: 50,
  storm: 50,
  load: 1000,
  loadConcurrency: 64,
  fuzzRuns: 300,
  redrive: 100,
  redriveLostAnswers: 10,
  noisyQuiet: 30,
  noisyBurst: 1000,
  stampede: 500,
  stampedeOutageSeconds: 90,
  stampedeCap: 50,
};

export const CI: DrillSize = {
  workerKill: 20,
  apiKill: 20,
  serviceRestart: 30,
  serverRestart: 40,
  outage: 10,
  outageSeconds: 6,
  slow: 5,
  poisonHealthy: 10,
  poisonHung: 4,
  retryAfterZero: 5,
  healWindowRace: 3,
  hungSeer: 10,
  hungHealthy: 10,
  storm: 10,
  load: 150,
  loadConcurrency: 16,
  fuzzRuns: 60,
  redrive: 20,
  redriveLostAnswers: 3,
  noisyQuiet: 15,
  noisyBurst: 150,
  // At least 10 a second per polling process (the cluster has four): each process's budget may
  // put one request more than its share in a second, and the drill allows the cap + 10%. 120 runs:
  // with 200, the cluster's four budgets (each a quarter of the cap, matching spreading the
  // retries unevenly among them) sometimes drained a second past runs / cap + the largest backoff.
  stampede: 120,
  stampedeOutageSeconds: 20,
  stampedeCap: 40,
};

let nextOrg = 9_000 + Math.floor(Math.random() * 1_000) * 100;

function runsOf(
  count: number,
  tag: string,
  body: (i: number) => Record<string, unknown>,
  org = nextOrg++,
): RunRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    org,
    key: `${tag}-${i}-${randomUUID()}`,
    body: body(i),
  }));
}

export const explorerRuns = (count: number, tag: string, org?: number) =>
  runsOf(
    count,
    tag,
    (i) => ({
      type: 'explorer',
      project_id: 1,
      request: { query: `${tag} run ${i}` },
    }),
    org,
  );

const featureRuns = (count: number, tag: string) =>
  runsOf(count, tag, (i) => ({
    type: 'feature_run',
    request: { feature_id: 'summaries', payload: { run: i } },
  }));

const assistedRuns = (count: number, tag: string) =>
  runsOf(count, tag, (i) => ({
    type: 'assisted_query',
    request: {
      org_slug: 'acme',
      project_ids: [1],
      natural_language_query: `${tag} run ${i}`,
      strategy: 'issues',
    },
  }));

/** Settings a drill needs that the shared stack does not have: it gets a stack of its own. */
export const OWN_STACK: Partial<Record<string, (size: DrillSize) => DrillStackOptions>> = {
  // Short enough that a run's retries reach its end within seconds.
  heal_window_race: () => ({ healWindow: '8s' }),
  // 2.5 s: a run's second request (1 s after its first) goes inside the window, its third (2 s
  // later) would go after it, so the second answer is each run's last.
  redrive_after_long_outage: () => ({ healWindow: '2500ms' }),
  // Fairness as shipped (on, SEER_RUNS_FAIR_IN_FLIGHT's default, no weights), whatever the shell says.
  noisy_neighbour: () => ({ env: { SEER_RUNS_FAIRNESS: 'on', SEER_RUNS_FAIR_IN_FLIGHT: '8' } }),
  // The cap on every worker and the API; the heal window stays the default 24 h, far past the outage.
  seer_stampede: (size) => ({
    env: { SEER_MAX_REQUESTS_PER_SECOND: String(size.stampedeCap) },
  }),
};
const HEAL_WINDOW_RACE_MS = 8_000;
/** The operator's --rate in redrive_after_long_outage (the CLI's default is 10/s). */
const REDRIVE_RATE_PER_SECOND = 20;

/** Runs `runs` as a product client would, 16 at a time; each one's wall time to its last answer. */
async function timedRuns(stack: DrillStack, runs: RunRequest[]): Promise<number[]> {
  return pool(runs, 16, async (run) => {
    const started = performance.now();
    await driveRun(stack.apiUrl, run, Date.now() + 60_000);
    return performance.now() - started;
  });
}

const p99 = (ms: number[]) => latencies(ms).p99_ms;

/** Healthy runs' p99 beside trouble, against their p99 alone: more than one short attempt is a fault. */
function latencyNotes(what: string, alone: number[], beside: number[]): string[] {
  const delay = p99(beside) - p99(alone);
  return [
    `healthy p99 ${p99(beside)} ms beside ${what}, ${p99(alone)} ms without`,
    ...(delay > LOCAL_ATTEMPT_LIMIT_MS
      ? [`${what} delayed healthy runs by ${delay} ms, more than one short attempt`]
      : []),
  ];
}

export const keysOf = (runs: RunRequest[]) => new Set(runs.map((r) => runUuidFor(r.org, r.key)));

export const sameRunIds = (outcomes: RunOutcome[]) =>
  outcomes.every((o) => o.runIds.every((id) => id === o.runIds[0]));

/** A drill on a stack of type S; `earlier` holds the run UUIDs of drills before it on that stack. */
export type Drill<S extends DrillTarget = DrillStack> = (
  stack: S,
  size: DrillSize,
  earlier: Set<string>,
) => Promise<DrillResult>;

export async function finish(
  stack: DrillTarget,
  name: string,
  runs: RunRequest[],
  started: number,
  earlier: Set<string>,
  extra: { notes?: string[]; latenciesMs?: number[]; expectPending?: boolean } = {},
): Promise<DrillResult> {
  const result = await tally(stack, name, runs, started, { ...extra, earlier });
  for (const run of runs) earlier.add(runUuidFor(run.org, run.key));
  return result;
}

/** Resolves once Seer has seen `count` requests for these runs: the fault lands mid-load. */
export function seerSaw(target: DrillTarget, runs: RunRequest[], count: number): Promise<void> {
  const keys = keysOf(runs);
  return waitFor(
    async () =>
      (await target.seer.requests()).filter((q) => q.key && keys.has(q.key)).length >= count,
    60_000,
  );
}

/** The answers' statuses, and any a product client should never see. */
export function answerNotes(outcomes: RunOutcome[]): string[] {
  const statuses = new Map<number, number>();
  for (const a of outcomes.flatMap((o) => o.answers))
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  // 404 answers a retry_token whose start never reached Temporal (the client then resends).
  const unexpected = [...statuses.keys()].filter((s) => ![0, 200, 201, 404, 500, 503].includes(s));
  return [
    `answers: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`,
    ...(unexpected.length ? [`unexpected statuses ${unexpected.join(',')}`] : []),
    ...(sameRunIds(outcomes) ? [] : ['a retry saw a different run_id']),
  ];
}

/** Runs whose POST was cut by the API's death mid-request (undici's UND_ERR_SOCKET) at `api`. */
export function cutMidRequest(outcomes: RunOutcome[], api: string): number {
  return outcomes.filter((o) =>
    o.answers.some((a) => a.api === api && a.body.code === 'UND_ERR_SOCKET'),
  ).length;
}

/** Runs driven `concurrency` at a time, and when each one's client had its last answer. */
export function drivenTimed(
  runs: RunRequest[],
  concurrency: number,
  drive: (run: RunRequest) => Promise<RunOutcome>,
): { outcomes: Promise<RunOutcome[]>; endedAt: number[] } {
  const endedAt: number[] = [];
  const outcomes = pool(runs, concurrency, async (run) => {
    const outcome = await drive(run);
    endedAt.push(Date.now());
    return outcome;
  });
  return { outcomes, endedAt };
}

const IN_FLIGHT_NOTE = 'runs not yet ended when the fault began';

/** How many runs the fault met: their clients had no final answer yet when it began. */
export function inFlightNote(endedAt: number[], faultAt: number): string {
  const after = endedAt.filter((t) => t > faultAt).length;
  return `${after}/${endedAt.length} ${IN_FLIGHT_NOTE}`;
}

/** The count inFlightNote wrote: 0 means the fault came after the load and broke nothing. */
export function inFlightAtFault(result: DrillResult): number {
  const note = result.notes.find((n) => n.endsWith(IN_FLIGHT_NOTE));
  return Number(note?.split('/')[0]);
}

/** A standalone worker to kill, and where it says what it holds. */
export interface KillableWorker {
  process: StackProcess;
  metricsUrl: string;
}

/**
 * Drives `runs` into their retries, then SIGKILLs `worker` while it holds some of their attempts.
 * In the default topology a healthy run lives in the API process (eager start, local first
 * attempt): a standalone worker holds work only once runs retry, as regular activities that
 * matching hands to any worker, the API's embedded one included. Seer answers 503 until every run
 * has had a regular attempt refused, then answers again, slowly (1.5 s): the worker dies once every
 * run's next attempt is in flight, and Seer makes the runs of those it cuts. `afterKill` runs at once.
 */
export async function killWorkerInRetries(
  target: DrillTarget,
  runs: RunRequest[],
  worker: KillableWorker,
  afterKill: () => Promise<void>,
): Promise<{ outcomes: RunOutcome[]; kill: KillFigures }> {
  await target.seer.configure({ outage: 'status_503', latency_ms: 1_500 });
  const keys = keysOf(runs);
  const driving = pool(runs, runs.length, (run) =>
    driveRun(replicasFrom(target.apiUrls, runs.indexOf(run)), run, Date.now() + 120_000),
  );
  const everyRun = async (check: (sent: RecordedRequest[]) => boolean) => {
    const sent = new Map<string, RecordedRequest[]>();
    for (const q of await target.seer.requests())
      if (q.key && keys.has(q.key)) sent.set(q.key, [...(sent.get(q.key) ?? []), q]);
    return [...keys].every((key) => check(sent.get(key) ?? []));
  };
  // Every run past its local attempt: a regular attempt of it was refused too.
  await waitFor(() => everyRun((sent) => sent.length >= 2), 60_000);
  await target.seer.configure({ outage: 'none' });
  // Every run's next attempt is in flight (Seer answers it after 1.5 s): the worker holds its share.
  await waitFor(() => everyRun((sent) => sent.some((q) => q.status !== 503)), 30_000);
  const held = await activitiesInFlight(worker.metricsUrl);
  const killedAt = Date.now();
  await worker.process.kill('SIGKILL');
  await afterKill();
  const outcomes = await driving;
  await target.seer.configure({ latency_ms: 0 });
  const cut = cutAttempts(await target.seer.requests(), runs, killedAt);
  return {
    outcomes,
    kill: { process: worker.process.name, held_at_kill: held, clients_cut: null, ...cut },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
}

function latencies(ms: number[]): Latencies {
  const sorted = [...ms].sort((a, b) => a - b);
  return { runs: ms.length, p50_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99) };
}

/**
 * Answers that were the admission queue's: 500 seer_run_pending, and then its retry_token answered
 * 404 (nothing had been started; the client resent the body with the same Idempotency-Key).
 */
const queuedAnswers = (outcome: RunOutcome) =>
  outcome.answers.filter((a, i) => a.status === 500 && outcome.answers[i + 1]?.status === 404)
    .length;

/**
 * Organization A sends `size.noisyBurst` runs at once while B sends one run a second: B alone
 * first (its quiet latencies), then through A's burst until A's last run is LIVE. Fairness is
 * per organization: B's p99 in the burst may be at most twice its quiet p99.
 */
async function noisyNeighbour(
  stack: DrillTarget,
  size: DrillSize,
  earlier: Set<string>,
): Promise<DrillResult> {
  const started = Date.now();
  // Seer answers in 50 ms (the bench's): a run in flight waits on Seer as a real one does, instead
  // of every run being pure CPU on a 2-core machine.
  const before = await stack.seer.configure({});
  await stack.seer.configure({ latency_ms: 50 });
  const [orgA, orgB] = [nextOrg++, nextOrg++];
  const bRuns: RunRequest[] = [];
  const bOutcomes: RunOutcome[] = [];
  const bMs: Promise<number>[] = [];
  const drained = { at: undefined as number | undefined };
  // B's clock: one run a second whatever the last one is doing (as a steady product sends them),
  // each timed from its POST to its LIVE answer, from before A's burst until A has drained. B is
  // its own process, as another organization's client is: A's thousand answers are this one's.
  const bClient = startTimedClient();
  const bClock = (async () => {
    for (let i = 0; drained.at === undefined; i++) {
      if (i > 0) await sleep(1_000);
      const [run] = explorerRuns(1, `noisy-b-${i}`, orgB);
      bRuns.push(run!);
      bMs.push(
        bClient
          .send(replicasFrom(stack.apiUrls, i), run!, Date.now() + 120_000)
          .then(({ ms, outcome }) => {
            bOutcomes.push(outcome);
            return ms;
          }),
      );
    }
  })();
  // Two runs first, untimed (a fresh stack's first runs pay for cold caches, not for A), then the
  // quiet ones; A's burst lands half a second after B's last quiet run was sent, mid-cadence.
  const warmUp = 2;
  await waitFor(() => Promise.resolve(bRuns.length >= warmUp + size.noisyQuiet), 120_000);
  await sleep(500);

  const aRuns = explorerRuns(size.noisyBurst, 'noisy-a', orgA);
  const burstStarted = Date.now();
  const aOutcomes = await pool(aRuns, aRuns.length, (run) =>
    driveRun(replicasFrom(stack.apiUrls, aRuns.indexOf(run)), run, Date.now() + 600_000),
  );
  const drainedAt = Date.now();
  drained.at = drainedAt;
  await bClock;
  const allBMs = await Promise.all(bMs);
  await bClient.close();
  await stack.seer.configure({ latency_ms: before.latency_ms });
  const quietMs = allBMs.slice(warmUp, warmUp + size.noisyQuiet);
  const burstMs = allBMs.slice(warmUp + size.noisyQuiet);

  const noisy = {
    a_runs: aRuns.length,
    a_drain_seconds: Math.round((drainedAt - burstStarted) / 100) / 10,
    a_posts: aOutcomes.reduce((sum, o) => sum + o.answers.length, 0),
    a_answered_queued: aOutcomes.reduce((sum, o) => sum + queuedAnswers(o), 0),
    b_quiet: latencies(quietMs),
    b_burst: latencies(burstMs),
    b_burst_ms: burstMs.map(Math.round),
    b_answered_queued: bOutcomes.reduce((sum, o) => sum + queuedAnswers(o), 0),
  };
  const aNotLive = aOutcomes.filter((o) => o.final.status !== 200 && o.final.status !== 201);
  const result = await finish(stack, 'noisy_neighbour', [...aRuns, ...bRuns], started, earlier, {
    latenciesMs: burstMs,
    notes: [
      `A: ${aRuns.length} runs at once, drained in ${noisy.a_drain_seconds} s, ${noisy.a_answered_queued}/${noisy.a_posts} POSTs answered 500 queued (token 404, resent)`,
      `B: one run a second, p50/p99 ${noisy.b_quiet.p50_ms}/${noisy.b_quiet.p99_ms} ms alone (${quietMs.length} runs), ${noisy.b_burst.p50_ms}/${noisy.b_burst.p99_ms} ms through A's burst (${burstMs.length} runs)`,
      ...(noisy.b_burst.p99_ms > 2 * noisy.b_quiet.p99_ms
        ? [
            `B's p99 through the burst is more than twice its quiet p99 (${noisy.b_burst.p99_ms} ms, ${noisy.b_quiet.p99_ms} ms; in order ${noisy.b_burst_ms.join(' ')})`,
          ]
        : []),
      ...(aNotLive.length ? [`${aNotLive.length} A clients had no LIVE answer`] : []),
      ...answerNotes([...aOutcomes, ...bOutcomes]),
    ],
  });
  return { ...result, noisy };
}

/**
 * `size.stampede` runs pending through a Seer outage (503) of `size.stampedeOutageSeconds`, on a
 * stack whose workers may send Seer `size.stampedeCap` requests a second. When Seer is back, no
 * 1 s window may hold more than the cap + 10%, and every run is LIVE within runs / cap plus the
 * longest backoff a run was in (jitter only shortens it).
 */
async function seerStampede(
  stack: DrillTarget,
  size: DrillSize,
  earlier: Set<string>,
): Promise<DrillResult> {
  const started = Date.now();
  const cap = size.stampedeCap;
  await stack.seer.configure({ outage: 'status_503' });
  const downAt = Date.now();
  const runs = explorerRuns(size.stampede, 'stampede');
  const timed = drivenTimed(runs, runs.length, (run) =>
    driveRun(replicasFrom(stack.apiUrls, runs.indexOf(run)), run, Date.now() + 600_000),
  );
  await sleep(size.stampedeOutageSeconds * 1_000);
  // Taken before the change: a request counted from here may still have met the outage.
  const backAt = Date.now();
  await stack.seer.configure({ outage: 'none' });
  const outcomes = await timed.outcomes;

  const keys = keysOf(runs);
  const sentBefore = new Map<string, number>();
  const madeAt = new Map<string, number>();
  for (const q of await stack.seer.requests()) {
    if (!q.key || !keys.has(q.key)) continue;
    if (q.at < backAt) sentBefore.set(q.key, (sentBefore.get(q.key) ?? 0) + 1);
    else if (q.status !== null && q.status < 300)
      madeAt.set(q.key, Math.min(madeAt.get(q.key) ?? Infinity, q.at));
  }
  // The wait after a run's last refused request, as its policy scheduled it: jitter lengthens a
  // backoff below the 60 s cap by up to a fifth, and never takes one past it.
  const longestDelayAfter = (sent: number) =>
    Math.min(MAX_RETRY_DELAY_MS, backoffMs(sent) * (1 + JITTER_FRACTION));
  const largestBackoffMs = Math.max(0, ...[...sentBefore.values()].map(longestDelayAfter));
  const boundMs = (runs.length / cap) * 1_000 + largestBackoffMs;
  const fromReturn = await stack.seer.histogram(backAt);
  const wholeDrill = await stack.seer.histogram(downAt);
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const allMadeMs = madeAt.size ? Math.max(...madeAt.values()) - backAt : Infinity;
  const stampede = {
    cap_per_second: cap,
    outage_seconds: seconds(backAt - downAt),
    per_second_from_outage: wholeDrill.per_second,
    per_second_from_return: fromReturn.per_second,
    max_in_any_second_from_return: fromReturn.max_in_any_second,
    max_in_any_second_whole_drill: wholeDrill.max_in_any_second,
    largest_backoff_seconds: seconds(largestBackoffMs),
    bound_seconds: seconds(boundMs),
    all_made_seconds: seconds(allMadeMs),
    all_clients_live_seconds: seconds(Math.max(...timed.endedAt) - backAt),
  };
  const result = await finish(stack, 'seer_stampede', runs, started, earlier, {
    notes: [
      `Seer down ${stampede.outage_seconds} s with ${runs.length} runs pending, cap ${cap}/s: from its return, at most ${fromReturn.max_in_any_second} requests in any 1 s (whole drill ${wholeDrill.max_in_any_second}); per second ${fromReturn.per_second.join(' ')}`,
      `every run made by Seer ${stampede.all_made_seconds} s after its return (clients LIVE after ${stampede.all_clients_live_seconds} s), bound ${stampede.bound_seconds} s = ${runs.length}/${cap} + the largest backoff ${stampede.largest_backoff_seconds} s`,
      ...(fromReturn.max_in_any_second > cap * 1.1
        ? [`${fromReturn.max_in_any_second} requests in one 1 s window, above the cap + 10%`]
        : []),
      ...(madeAt.size < runs.length || allMadeMs > boundMs
        ? [`not every run was made within the bound (${madeAt.size}/${runs.length} made)`]
        : []),
      ...answerNotes(outcomes),
    ],
  });
  return { ...result, stampede };
}

/** Drills that need no process handle: they run on either backend, spread over its replicas. */
export const ANY_BACKEND: Record<
  'seer_outage' | 'load' | 'noisy_neighbour' | 'seer_stampede',
  Drill<DrillTarget>
> = {
  noisy_neighbour: noisyNeighbour,
  seer_stampede: seerStampede,

  async seer_outage(stack, size, earlier) {
    const started = Date.now();
    await stack.seer.configure({ outage: 'status_503' });
    const runs = explorerRuns(size.outage, 'outage');
    const first = await pool(runs, runs.length, (run) =>
      post(replicasFrom(stack.apiUrls, runs.indexOf(run))[0]!, run),
    );
    const pendingDuringOutage = first.filter((a) => a.status === 500 && a.body.retry_token).length;
    await new Promise((r) => setTimeout(r, (size.outageSeconds * 1000) / 2));
    await stack.seer.configure({ outage: 'drop' });
    await new Promise((r) => setTimeout(r, (size.outageSeconds * 1000) / 2));
    await stack.seer.configure({ outage: 'none' });
    // Every run heals on its own (activity retries); the client's retry with its token joins it,
    // at the other replica when there are two.
    const healed = await pool(runs, runs.length, async (run) => {
      const index = runs.indexOf(run);
      const token = first[index]?.body.retry_token as string | undefined;
      return driveRunWithToken(replicasFrom(stack.apiUrls, index + 1), run, token);
    });
    const tokenMismatch = healed.filter(
      (o, i) => o.final.body.run_uuid !== first[i]?.body.retry_token,
    ).length;
    return finish(stack, 'seer_outage', runs, started, earlier, {
      notes: [
        `${pendingDuringOutage}/${runs.length} answered 500 seer_run_pending during the outage`,
        ...(tokenMismatch ? [`${tokenMismatch} token retries answered another run`] : []),
      ],
    });
  },

  async load(stack, size, earlier) {
    const started = Date.now();
    await stack.seer.configure({ transient_error_rate: 0.05, latency_ms: 50 });
    const runs = explorerRuns(size.load, 'load');
    const latencies: number[] = [];
    await pool(runs, size.loadConcurrency, async (run) => {
      const apis = replicasFrom(stack.apiUrls, runs.indexOf(run));
      const outcome = await driveRun(apis, run, Date.now() + 120_000);
      latencies.push(outcome.answers.reduce((sum, a) => sum + a.ms, 0));
      return outcome;
    });
    await stack.seer.configure({ transient_error_rate: 0, latency_ms: 0 });
    const spread = stack.apiUrls.length > 1 ? `, spread over ${stack.apiUrls.length} APIs` : '';
    return finish(stack, 'load', runs, started, earlier, {
      latenciesMs: latencies,
      notes: [
        `${size.load} runs at concurrency ${size.loadConcurrency}, 5% transient Seer errors${spread}`,
      ],
    });
  },
};

export const DRILLS: Record<string, Drill> = {
  async worker_killed(stack, size, earlier) {
    const started = Date.now();
    const runs = explorerRuns(size.workerKill, 'worker-kill');
    // The standalone worker dies holding retries; a new one starts at once.
    const { outcomes, kill } = await killWorkerInRetries(
      stack,
      runs,
      { process: stack.worker, metricsUrl: stack.workerMetricsUrl },
      () => stack.worker.restart(),
    );
    const result = await finish(stack, 'worker_killed', runs, started, earlier, {
      notes: [
        `worker SIGKILLed holding ${kill.held_at_kill} Seer attempts (retries) in flight, restarted`,
        cutNote('attempts', kill),
        ...answerNotes(outcomes),
      ],
    });
    return { ...result, kill };
  },

  async api_killed(stack, size, earlier) {
    const started = Date.now();
    await stack.seer.configure({ latency_ms: 1_500 });
    const runs = explorerRuns(size.apiKill, 'api-kill');
    const localBefore = await localActivitiesRun(stack.workerMetricsUrl);
    const driving = pool(runs, runs.length, (run) =>
      driveRun(stack.apiUrl, run, Date.now() + 120_000),
    );
    // Every start is eager: the first attempts run in the API process, in its embedded worker.
    await seerSaw(stack, runs, Math.ceil(runs.length / 2));
    const killedAt = Date.now();
    await stack.api.kill('SIGKILL');
    await stack.api.restart();
    const readyMs = Date.now() - killedAt;
    const outcomes = await driving;
    await stack.seer.configure({ latency_ms: 0 });
    const requests = await stack.seer.requests();
    const cut = cutAttempts(requests, runs, killedAt);
    // Seer answers within the local attempt's limit: each request after the kill is a first attempt.
    const keys = keysOf(runs);
    const afterKill = requests.filter((q) => q.key && keys.has(q.key) && q.at >= killedAt).length;
    const byWorker = (await localActivitiesRun(stack.workerMetricsUrl)) - localBefore;
    const clientsCut = cutMidRequest(outcomes, stack.apiUrl);
    const result = await finish(stack, 'api_killed', runs, started, earlier, {
      notes: [
        `API SIGKILLed with its embedded worker's first attempts in flight, ready again ${readyMs} ms after the kill`,
        cutNote('first attempts', cut),
        `of the ${afterKill} first attempts after the kill, the standalone worker ran ${byWorker}, the restarted API the others`,
        `${clientsCut} clients cut mid-request retried at the restarted API, same Idempotency-Key and retry_token`,
        ...answerNotes(outcomes),
      ],
    });
    return {
      ...result,
      kill: { process: 'api', held_at_kill: null, clients_cut: clientsCut, ...cut },
    };
  },

  async server_restarted(stack, size, earlier) {
    const started = Date.now();
    // An eager healthy run takes a few ms of the server: with Seer this slow, the kill lands while
    // runs wait on it, their workflow tasks open, and others are starting.
    await stack.seer.configure({ latency_ms: 500 });
    const runs = explorerRuns(size.serverRestart, 'server-restart');
    const timed = drivenTimed(runs, 16, (run) => driveRun(stack.apiUrl, run, Date.now() + 120_000));
    await waitFor(async () => (await stack.seer.runs()).length >= runs.length / 4, 30_000);
    const faultAt = Date.now();
    await stack.temporal.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3_000));
    await stack.temporal.restart();
    const outcomes = await timed.outcomes;
    await stack.seer.configure({ latency_ms: 0 });
    return finish(stack, 'server_restarted', runs, started, earlier, {
      notes: [inFlightNote(timed.endedAt, faultAt), ...answerNotes(outcomes)],
    });
  },

  seer_outage: ANY_BACKEND.seer_outage,

  async seer_slower_than_timeout(stack, size, earlier) {
    const started = Date.now();
    const runs = explorerRuns(size.slow, 'slow');
    // Each first attempt outlives SEER_REQUEST_TIMEOUT_MS (3 s) but Seer still makes the run.
    await stack.seer.queueFaults(
      CHAT,
      runs.map(() => ({ delay_ms: 4_000 })),
    );
    const outcomes = await pool(runs, runs.length, (run) =>
      driveRun(stack.apiUrl, run, Date.now() + 90_000),
    );
    const requests = await stack.seer.requests();
    const retried = runs.filter(
      (r) => requests.filter((q) => q.key === runUuidFor(r.org, r.key)).length >= 2,
    );
    return finish(stack, 'seer_slower_than_timeout', runs, started, earlier, {
      notes: [
        `${retried.length}/${runs.length} runs needed a second request`,
        ...(sameRunIds(outcomes) ? [] : ['a retry saw a different run_id']),
      ],
    });
  },

  async poison_answers(stack, size, earlier) {
    const started = Date.now();
    const poison = [
      { status: 200, body: 'not json' },
      { status: 200, body: '[1]' },
      { status: 200, body: '{"id": 1}' },
      { status: 200, body: '{"run_id": "x"}' },
      { status: 204 },
      { status: 400, body: '{}' },
      { status: 404 },
      { status: 302, headers: { location: '/x' } },
    ];
    const alone = explorerRuns(size.poisonHealthy, 'healthy-alone');
    const aloneMs = await timedRuns(stack, alone);
    // Poisoned answers, hung Seer calls and healthy runs, all at once.
    const poisoned = featureRuns(poison.length, 'poison');
    const hung = assistedRuns(size.poisonHung, 'poison-hung');
    const healthy = explorerRuns(size.poisonHealthy, 'healthy');
    await stack.seer.queueFaults(FEATURE, poison);
    await stack.seer.queueFaults(
      ASSISTED,
      hung.map(() => ({ hang: true as const })),
    );
    const [poisonOutcomes, , healthyMs] = await Promise.all([
      pool(poisoned, poisoned.length, (run) => driveRun(stack.apiUrl, run, Date.now() + 30_000)),
      pool(hung, hung.length, (run) => driveRun(stack.apiUrl, run, Date.now() + 90_000)),
      timedRuns(stack, healthy),
    ]);
    const requests = await stack.seer.requests();
    const extra = poisoned.filter(
      (r) => requests.filter((q) => q.key === runUuidFor(r.org, r.key)).length !== 1,
    );
    const not502 = poisonOutcomes.filter((o) => o.final.status !== 502).length;
    return finish(
      stack,
      'poison_answers',
      [...poisoned, ...hung, ...alone, ...healthy],
      started,
      earlier,
      {
        latenciesMs: healthyMs,
        notes: [
          ...(extra.length ? [`${extra.length} poisoned runs sent more than one request`] : []),
          ...(not502 ? [`${not502} poisoned runs did not answer 502`] : []),
          ...latencyNotes('poisoned and hung Seer answers', aloneMs, healthyMs),
        ],
      },
    );
  },

  async retry_after_zero(stack, size, earlier) {
    const started = Date.now();
    const runs = explorerRuns(size.retryAfterZero, 'retry-after-zero');
    // Two refusals a run asking for no wait at all (0, then a date in the past), then Seer heals.
    await stack.seer.queueFaults(
      CHAT,
      runs.flatMap(() => [
        { status: 503, headers: { 'retry-after': '0' } },
        { status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } },
      ]),
    );
    await pool(runs, runs.length, (run) => driveRun(stack.apiUrl, run, Date.now() + 60_000));
    const requests = await stack.seer.requests();
    const gaps = [...keysOf(runs)].flatMap((key) => {
      const times = requests
        .filter((q) => q.key === key)
        .map((q) => q.at)
        .sort((a, b) => a - b);
      return times.slice(1).map((t, i) => t - times[i]!);
    });
    const tight = gaps.filter((gap) => gap < 1_000).length;
    return finish(stack, 'retry_after_zero', runs, started, earlier, {
      notes: [
        `shortest gap between two requests of a run: ${Math.min(...gaps)} ms`,
        ...(tight
          ? [`${tight} retries came less than 1 s after the last request (tight loop)`]
          : []),
      ],
    });
  },

  async heal_window_race(stack, size, earlier) {
    const started = Date.now();
    // Each run's second request goes 1.2-2.3 s before its window (8 s) ends (Retry-After 5.7 s,
    // which jitter lengthens by up to a fifth) and takes 2.5 s (under the 3 s request timeout):
    // Seer creates the run after the window for one group and still fails for the other.
    const retryAfter = String((HEAL_WINDOW_RACE_MS - 2_300) / 1_000);
    const late = explorerRuns(size.healWindowRace, 'heal-race-live');
    const failing = assistedRuns(size.healWindowRace, 'heal-race-failed');
    await stack.seer.queueFaults(CHAT, [
      ...late.map(() => ({ status: 503, headers: { 'retry-after': retryAfter } })),
      ...late.map(() => ({ delay_ms: 2_500 })),
    ]);
    await stack.seer.queueFaults(ASSISTED, [
      ...failing.map(() => ({ status: 503, headers: { 'retry-after': retryAfter } })),
      ...failing.map(() => ({ status: 503, delay_ms: 2_500 })),
    ]);
    const runs = [...late, ...failing];
    const outcomes = await pool(runs, runs.length, (run) =>
      driveRun(stack.apiUrl, run, Date.now() + 60_000),
    );
    // The promise is per run, whatever order the queued answers were taken in on a busy machine
    // (a late first request can take another run's answer): a Seer run behind a run means LIVE
    // with it, and FAILED means no Seer run behind it.
    const seerKeys = new Set((await stack.seer.runs()).map((r) => r.key));
    const isLive = (o: RunOutcome) => o.final.status === 200 || o.final.status === 201;
    const behindSeer = (i: number) => seerKeys.has(runUuidFor(runs[i]!.org, runs[i]!.key));
    const behindFailed = outcomes.filter((o, i) => !isLive(o) && behindSeer(i)).length;
    const liveWithout = outcomes.filter((o, i) => isLive(o) && !behindSeer(i)).length;
    const lateLive = outcomes.slice(0, late.length).filter(isLive).length;
    return finish(stack, 'heal_window_race', runs, started, earlier, {
      notes: [
        `${lateLive}/${late.length} runs made LIVE by a request that ended after their window`,
        ...(behindFailed ? [`${behindFailed} FAILED runs have a Seer run behind them`] : []),
        ...(liveWithout ? [`${liveWithout} LIVE runs did not answer with a Seer run`] : []),
      ],
    });
  },

  async hung_seer(stack, size, earlier) {
    const started = Date.now();
    const alone = explorerRuns(size.hungHealthy, 'hung-alone');
    const aloneMs = await timedRuns(stack, alone);
    const hung = assistedRuns(size.hungSeer, 'hung');
    await stack.seer.queueFaults(
      ASSISTED,
      hung.map(() => ({ hang: true as const })),
    );
    const hungKeys = keysOf(hung);
    const driving = pool(hung, hung.length, (run) =>
      driveRun(stack.apiUrl, run, Date.now() + 120_000),
    );
    // Healthy runs go once every hung request is waiting on Seer.
    await waitFor(
      async () =>
        (await stack.seer.requests()).filter((q) => q.key && hungKeys.has(q.key)).length >=
        hung.length,
      60_000,
    );
    const healthy = explorerRuns(size.hungHealthy, 'hung-healthy');
    const healthyMs = await timedRuns(stack, healthy);
    await driving;
    return finish(stack, 'hung_seer', [...hung, ...alone, ...healthy], started, earlier, {
      latenciesMs: healthyMs,
      notes: latencyNotes(`${hung.length} hung Seer calls`, aloneMs, healthyMs),
    });
  },

  async client_retry_storm(stack, size, earlier) {
    const started = Date.now();
    const runs = explorerRuns(size.storm, 'storm');
    const outcomes = await pool(runs, 16, async (run) => {
      const three = await Promise.all(
        [0, 1, 2].map(() => driveRun(stack.apiUrl, run, Date.now() + 60_000)),
      );
      const ids = new Set(three.flatMap((o) => o.runIds));
      const created = three.filter((o) => o.answers.some((a) => a.status === 201)).length;
      return { ids: ids.size, created };
    });
    const split = outcomes.filter((o) => o.ids !== 1).length;
    const doubleCreated = outcomes.filter((o) => o.created > 1).length;
    return finish(stack, 'client_retry_storm', runs, started, earlier, {
      notes: [
        ...(split ? [`${split} keys answered more than one run_id`] : []),
        ...(doubleCreated ? [`${doubleCreated} keys answered 201 more than once`] : []),
      ],
    });
  },

  async redrive_after_long_outage(stack, size, earlier) {
    const started = Date.now();
    // One organization: the operator's query selects these runs and no other drill's.
    const runs = explorerRuns(size.redrive, 'redrive');
    const org = runs[0]!.org;
    const lostAnswer = runs.slice(0, size.redriveLostAnswers);
    const outage = runs.slice(size.redriveLostAnswers);
    // Lost answers one run at a time (the fake's scripted answers go to the route's next request):
    // 503, then a request that makes the Seer run and loses the answer, the run's last before its
    // window ends.
    for (const run of lostAnswer) {
      await stack.seer.queueFaults(CHAT, [{ status: 503 }, { drop: 'after_create' }]);
      await driveRun(stack.apiUrl, run, Date.now() + 30_000);
    }
    // Then Seer is down for longer than the window: every other run runs out of it.
    await stack.seer.configure({ outage: 'status_503' });
    await pool(outage, outage.length, (run) => driveRun(stack.apiUrl, run, Date.now() + 30_000));
    const failedBefore = (
      await listedUntil(stack, org, 'status=FAILED', (rows) => rows.length >= runs.length)
    ).filter((row) => row.failure?.reason === 'retries_exhausted').length;
    const keys = keysOf(runs);
    const madeBefore = new Map(
      (await stack.seer.runs()).filter((r) => keys.has(r.key)).map((r) => [r.key, r.run_id]),
    );
    await stack.seer.configure({ outage: 'none' });

    // Seer is back: the operator re-drives the organization's runs.
    const lines: string[] = [];
    const redriveStarted = performance.now();
    const exitCode = await runRedriveCli(
      [
        '--query',
        `SeerOrganizationId = ${org}`,
        '--rate',
        `${REDRIVE_RATE_PER_SECOND}/s`,
        '--reason',
        'drill: Seer is back',
      ],
      { TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_NAMESPACE: 'default' },
      (line) => lines.push(line),
    );
    const redriveMs = performance.now() - redriveStarted;
    const after = await listedUntil(
      stack,
      org,
      '',
      (rows) =>
        new Set(rows.filter((r) => r.status === 'LIVE').map((r) => r.run_uuid)).size >= runs.length,
    );
    const allLiveMs = performance.now() - redriveStarted;

    const summary = /^re-driven (\d+), skipped (\d+).*, failed to re-drive (\d+)$/.exec(
      lines.at(-1) ?? '',
    );
    const runIdOf = new Map(after.map((row) => [row.run_uuid, row.run_id]));
    const lostKeys = [...keysOf(lostAnswer)].filter((key) => madeBefore.has(key));
    const sameRunId = lostKeys.filter((key) => runIdOf.get(key) === madeBefore.get(key)).length;
    const listedOnce = after.length === runs.length && runIdOf.size === runs.length;
    const redrive: RedriveFigures = {
      failed_before: failedBefore,
      lost_answers: lostKeys.length,
      same_run_id: sameRunId,
      redriven: Number(summary?.[1] ?? NaN),
      skipped: Number(summary?.[2] ?? NaN),
      failed_to_redrive: Number(summary?.[3] ?? NaN),
      exit_code: exitCode,
      rate_per_second: REDRIVE_RATE_PER_SECOND,
      redrive_seconds: Math.round(redriveMs / 100) / 10,
      all_live_seconds: Math.round(allLiveMs / 100) / 10,
      listed: after.length,
    };
    const result = await finish(stack, 'redrive_after_long_outage', runs, started, earlier, {
      notes: [
        `${failedBefore}/${runs.length} FAILED retries_exhausted when Seer came back`,
        `${lostKeys.length}/${lostAnswer.length} runs had made their Seer run with a lost answer`,
        `re-drive (--rate ${REDRIVE_RATE_PER_SECOND}/s, exit ${exitCode}): ${lines.at(-1) ?? 'no summary'} in ${redrive.redrive_seconds} s; every run LIVE ${redrive.all_live_seconds} s after it began`,
        ...(sameRunId < lostKeys.length
          ? [`${lostKeys.length - sameRunId} lost-answer runs LIVE with a different run_id`]
          : [
              `${sameRunId}/${lostKeys.length} lost-answer runs LIVE with the run_id Seer had made`,
            ]),
        ...(listedOnce
          ? []
          : [
              `the list did not answer each run once: ${after.length} rows for ${runs.length} runs`,
            ]),
      ],
    });
    return { ...result, redrive };
  },

  load: ANY_BACKEND.load,
  noisy_neighbour: ANY_BACKEND.noisy_neighbour,
  seer_stampede: ANY_BACKEND.seer_stampede,

  async fuzzed_input(stack, size) {
    const started = Date.now();
    const org = nextOrg++;
    const fivexx: string[] = [];
    const startedInvalid: string[] = [];
    let invalid = 0;
    await fc.assert(
      fc.asyncProperty(fuzzBody(), fuzzKey(), async (body, key) => {
        const run: RunRequest = { org, key, body: body as Record<string, unknown> };
        const answer = await post(stack.apiUrl, run);
        if (answer.status >= 500)
          fivexx.push(`${answer.status} ${JSON.stringify(body).slice(0, 120)}`);
        if (answer.status >= 400 && answer.status < 500) {
          invalid++;
          if (
            /^[\x20-\x7e]{1,255}$/.test(key) &&
            (await runExists(stack, org, runUuidFor(org, key)))
          ) {
            startedInvalid.push(JSON.stringify(body).slice(0, 120));
          }
        }
        return true;
      }),
      { numRuns: size.fuzzRuns, seed: 4242 },
    );
    return {
      name: 'fuzzed_input',
      backend: stack.backend,
      requested: size.fuzzRuns,
      live: 0,
      failed: 0,
      failed_by_reason: {},
      pending: 0,
      lost: startedInvalid.length,
      duplicates: 0,
      seer_runs: 0,
      max_requests_per_key: 0,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      notes: [
        `${invalid}/${size.fuzzRuns} bodies refused with a 4xx`,
        ...(fivexx.length
          ? [`${fivexx.length} answers were 5xx: ${fivexx.slice(0, 3).join(' | ')}`]
          : []),
        ...(startedInvalid.length
          ? [`${startedInvalid.length} refused bodies started a workflow`]
          : []),
      ],
    };
  },
};

async function driveRunWithToken(
  apis: readonly string[],
  run: RunRequest,
  token: string | undefined,
): Promise<RunOutcome> {
  const deadline = Date.now() + 90_000;
  if (!token) return driveRun(apis, run, deadline);
  const answers = [];
  for (;;) {
    const answer = await post(apis[0]!, run, { retryToken: token });
    answers.push(answer);
    // 404: the start never reached Temporal (the admission queue's sync wait ran out before its
    // turn); the client resends the body, with the same Idempotency-Key, as the retry rule says.
    if (answer.status === 404) {
      const resent = await driveRun(apis, run, deadline);
      return { ...resent, answers: [...answers, ...resent.answers] };
    }
    if (answer.status === 200 || answer.status === 502 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const final = answers[answers.length - 1]!;
  return {
    key: run.key,
    answers,
    final,
    runIds: final.status === 200 ? [final.body.run_id as number] : [],
  };
}

/** A run as the API's list shows it (the fields the drills read). */
interface ListedRun {
  run_uuid: string;
  status: 'PENDING' | 'LIVE' | 'FAILED';
  run_id: number | null;
  failure: { reason: string } | null;
}

/**
 * The organization's runs from the API's list (one page, `filter` its query string), asked again
 * until `done` holds or 60 s pass (visibility is eventually consistent); the last list either way.
 */
async function listedUntil(
  stack: DrillStack,
  org: number,
  filter: string,
  done: (rows: ListedRun[]) => boolean,
): Promise<ListedRun[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(
      `${stack.apiUrl}/v1/organizations/${org}/seer-runs?page_size=1000&${filter}`,
      { headers: { authorization: `Bearer ${DRILL_TOKEN}` } },
    );
    const rows = ((await response.json()) as { runs?: ListedRun[] }).runs ?? [];
    if (done(rows) || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runExists(stack: DrillStack, org: number, uuid: string): Promise<boolean> {
  const response = await fetch(`${stack.apiUrl}/v1/organizations/${org}/seer-runs/${uuid}`, {
    headers: { authorization: `Bearer ${DRILL_TOKEN}` },
  });
  await response.body?.cancel();
  return response.status === 200;
}

export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('drill precondition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function fuzzKey() {
  return fc.oneof(
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.constant(''),
    fc.string({ minLength: 256, maxLength: 300 }),
    fc.uuid(),
  );
}

function fuzzBody() {
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const type = fc.oneof(
    fc.constantFrom(
      'explorer',
      'assisted_query',
      'autofix',
      'feature_run',
      'pr_review',
      'EXPLORER',
      '',
    ),
    fc.string(),
    anyJson,
  );
  return fc.oneof(
    anyJson,
    fc.record(
      {
        type,
        project_id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.double()),
        request: fc.oneof(
          anyJson,
          fc.dictionary(
            fc.constantFrom(
              'query',
              'organization_id',
              'org_id',
              'run_id',
              'issue',
              'payload',
              'feature_id',
              'external_idempotency_key',
            ),
            anyJson,
          ),
        ),
        viewer_context: fc.oneof(
          anyJson,
          fc.record({
            organization_id: fc.integer(),
            user_id: fc.oneof(fc.integer(), fc.string()),
          }),
        ),
        retry_token: fc.oneof(fc.uuid(), fc.string()),
      },
      { requiredKeys: [] },
    ),
  );
}
