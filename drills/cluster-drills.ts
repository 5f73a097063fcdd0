// The drills on the cluster (`--backend cluster`): each breaks one of its processes (a worker, an
// API replica, a Temporal service, PostgreSQL) while runs are in flight through both API replicas,
// then counts, as on the dev server, that every run ended LIVE or FAILED, once.
import type { FakeSeerConfig, RecordedRequest } from '../src/fake-seer/server';
import type { StackProcess } from '../src/stack/processes';
import { driveRun, pool, replicasFrom, type RunOutcome, type RunRequest } from './client';
import type { DrillCluster } from './cluster';
import { cutAttempts, cutNote } from './cut-attempts';
import {
  ANY_BACKEND,
  answerNotes,
  cutMidRequest,
  drivenTimed,
  explorerRuns,
  inFlightNote,
  finish,
  keysOf,
  killWorkerInRetries,
  OWN_STACK,
  seerSaw,
  type Drill,
  type DrillSize,
} from './drills';
import type { DrillResult } from './ledger';
import type { DrillStackOptions } from './stack';

/** Drives `runs` through both replicas (alternating first choice), `concurrency` at a time. */
function drive(
  cluster: DrillCluster,
  runs: RunRequest[],
  concurrency: number,
  deadlineMs: number,
): Promise<RunOutcome[]> {
  return pool(runs, concurrency, (run) =>
    driveRun(replicasFrom(cluster.apiUrls, runs.indexOf(run)), run, Date.now() + deadlineMs),
  );
}

/**
 * `size.serviceRestart` runs, 16 at a time through both replicas; once a quarter of them reached
 * Seer, `fault` breaks a process and brings it back. `seer` sets the fake Seer until the fault is
 * over: a share of transient answers makes runs retry across it (a timer, then an activity task).
 */
async function midLoad(
  cluster: DrillCluster,
  name: string,
  size: DrillSize,
  earlier: Set<string>,
  fault: () => Promise<string>,
  seer: Partial<FakeSeerConfig> = {},
): Promise<DrillResult> {
  const started = Date.now();
  const before = await cluster.seer.configure({});
  await cluster.seer.configure(seer);
  const runs = explorerRuns(size.serviceRestart, name);
  const timed = drivenTimed(runs, 16, (run) =>
    driveRun(replicasFrom(cluster.apiUrls, runs.indexOf(run)), run, Date.now() + 180_000),
  );
  await seerSaw(cluster, runs, Math.ceil(runs.length / 4));
  const faultStarted = Date.now();
  const what = await fault();
  await cluster.seer.configure(before);
  const outcomes = await timed.outcomes;
  return finish(cluster, name, runs, started, earlier, {
    notes: [
      `${what}; the last run ended ${Date.now() - faultStarted} ms after the fault`,
      inFlightNote(timed.endedAt, faultStarted),
      ...(seer.transient_error_rate
        ? [retriedNote(await cluster.seer.requests(), runs, faultStarted)]
        : []),
      ...answerNotes(outcomes),
    ],
  });
}

/** Runs that sent Seer a retry once the fault began: their timers and attempts crossed it. */
function retriedNote(
  requests: readonly RecordedRequest[],
  runs: RunRequest[],
  faultStarted: number,
): string {
  const keys = keysOf(runs);
  const seen = new Set<string>();
  const retried = new Set<string>();
  for (const q of [...requests].sort((a, b) => a.at - b.at)) {
    if (!q.key || !keys.has(q.key)) continue;
    if (seen.has(q.key) && q.at >= faultStarted) retried.add(q.key);
    seen.add(q.key);
  }
  return `${retried.size}/${runs.length} runs retried Seer after the fault began (each retry through matching: a timer's workflow task, then an activity task)`;
}

/** SIGKILL, a pause long enough for the others to notice, then the same process again. */
async function killAndRestart(process: StackProcess, pauseMs: number): Promise<string> {
  await process.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, pauseMs));
  const restarting = Date.now();
  await process.restart();
  return `${process.name} SIGKILLed, restarted (${Date.now() - restarting} ms to ready)`;
}

export const CLUSTER_DRILLS: Record<string, Drill<DrillCluster>> = {
  async worker_killed(cluster, size, earlier) {
    const started = Date.now();
    const worker = cluster.processes['worker-1'];
    const runs = explorerRuns(size.workerKill, 'cluster-worker-kill');
    // The attempts worker-1 held time out and retry at worker-2 or an API's embedded worker;
    // worker-1 comes back only once every run has ended.
    const { outcomes, kill } = await killWorkerInRetries(
      cluster,
      runs,
      { process: worker, metricsUrl: cluster.workerMetricsUrls['worker-1'] },
      () => Promise.resolve(),
    );
    await worker.restart();
    const result = await finish(cluster, 'worker_killed', runs, started, earlier, {
      notes: [
        `worker-1 SIGKILLed holding ${kill.held_at_kill} Seer attempts (retries) in flight, down until the end`,
        cutNote('attempts', kill),
        ...answerNotes(outcomes),
      ],
    });
    return { ...result, kill };
  },

  async api_killed(cluster, size, earlier) {
    const started = Date.now();
    const api = cluster.processes['api-1'];
    const [api1, api2] = cluster.apiUrls;
    // Each request waits on Seer for a while: some are in flight at api-1 when it dies, and so
    // are the first attempts of the runs it started (eager starts: its embedded worker holds them).
    await cluster.seer.configure({ latency_ms: 1_000 });
    const runs = explorerRuns(size.apiKill, 'cluster-api-kill');
    const driving = drive(cluster, runs, runs.length, 120_000);
    // The kill waits for half of api-1's own runs (every other one goes there first) at Seer.
    const startedAtApi1 = runs.filter((_, i) => replicasFrom(cluster.apiUrls, i)[0] === api1);
    await seerSaw(cluster, startedAtApi1, Math.ceil(startedAtApi1.length / 2));
    const killedAt = Date.now();
    await api.kill('SIGKILL');
    const outcomes = await driving;
    await cluster.seer.configure({ latency_ms: 0 });
    await api.restart();
    const cut = cutAttempts(await cluster.seer.requests(), runs, killedAt);
    // A run moved when api-1 could not be reached and api-2 gave its final answer.
    const moved = outcomes.filter(
      (o) => o.answers.some((a) => a.api === api1 && a.status === 0) && o.final.api === api2,
    ).length;
    const clientsCut = cutMidRequest(outcomes, api1);
    const result = await finish(cluster, 'api_killed', runs, started, earlier, {
      notes: [
        `${moved} runs moved from api-1 to api-2 (${clientsCut} cut mid-request), same Idempotency-Key and retry_token`,
        cutNote("first attempts in api-1's embedded worker", cut),
        ...answerNotes(outcomes),
      ],
    });
    return {
      ...result,
      kill: { process: 'api-1', held_at_kill: null, clients_cut: clientsCut, ...cut },
    };
  },

  history_restarted: (cluster, size, earlier) =>
    midLoad(cluster, 'history_restarted', size, earlier, () =>
      killAndRestart(cluster.processes.history, 3_000),
    ),

  // A healthy run never meets matching (its start is eager, its first attempt local): 30% of
  // Seer's answers are 503 until matching is back, so that runs retry through it as it restarts.
  matching_restarted: (cluster, size, earlier) =>
    midLoad(
      cluster,
      'matching_restarted',
      size,
      earlier,
      async () => {
        const restarting = Date.now();
        await cluster.processes.matching.restart();
        return `matching restarted (SIGTERM, start; ${Date.now() - restarting} ms to ready)`;
      },
      { transient_error_rate: 0.3 },
    ),

  postgres_restarted: (cluster, size, earlier) =>
    midLoad(cluster, 'postgres_restarted', size, earlier, async () => {
      // What `pg_ctl restart -m immediate` does, through the handle: SIGQUIT is PostgreSQL's
      // immediate shutdown (no checkpoint; crash recovery at the next start).
      const postgres = cluster.processes.postgres;
      await postgres.kill('SIGQUIT');
      const restarting = Date.now();
      await postgres.restart();
      return `PostgreSQL stopped immediately (SIGQUIT), restarted (${Date.now() - restarting} ms to ready)`;
    }),

  seer_outage: ANY_BACKEND.seer_outage,
  load: ANY_BACKEND.load,
  noisy_neighbour: ANY_BACKEND.noisy_neighbour,
  seer_stampede: ANY_BACKEND.seer_stampede,
};

/**
 * The cap on Seer needs a cluster of its own (its APIs and workers read it at start; the other
 * drills run uncapped). Fairness is on by default: noisy_neighbour runs on the shared cluster.
 */
export const CLUSTER_OWN_STACK: Partial<Record<string, (size: DrillSize) => DrillStackOptions>> = {
  seer_stampede: OWN_STACK.seer_stampede,
};
