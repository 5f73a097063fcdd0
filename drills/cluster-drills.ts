// The drills on the cluster (`--backend cluster`): each breaks one of its processes (a worker, an
// API replica, a Temporal service, PostgreSQL) while runs are in flight through both API replicas,
// then counts, as on the dev server, that every run ended LIVE or FAILED, once.
import type { StackProcess } from '../src/stack/processes';
import { driveRun, pool, replicasFrom, type RunOutcome, type RunRequest } from './client';
import type { DrillCluster } from './cluster';
import {
  ANY_BACKEND,
  explorerRuns,
  finish,
  keysOf,
  sameRunIds,
  waitFor,
  type Drill,
  type DrillSize,
} from './drills';
import type { DrillResult } from './ledger';

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

/** Resolves once Seer has seen `count` requests for these runs: the fault lands mid-load. */
function seerSaw(cluster: DrillCluster, runs: RunRequest[], count: number): Promise<void> {
  const keys = keysOf(runs);
  return waitFor(
    async () =>
      (await cluster.seer.requests()).filter((q) => q.key && keys.has(q.key)).length >= count,
    60_000,
  );
}

function answerNotes(outcomes: RunOutcome[]): string[] {
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

/**
 * `size.serviceRestart` runs, 16 at a time through both replicas; once a quarter of them reached
 * Seer, `fault` breaks a process and brings it back.
 */
async function midLoad(
  cluster: DrillCluster,
  name: string,
  size: DrillSize,
  earlier: Set<string>,
  fault: () => Promise<string>,
): Promise<DrillResult> {
  const started = Date.now();
  const runs = explorerRuns(size.serviceRestart, name);
  const driving = drive(cluster, runs, 16, 180_000);
  await seerSaw(cluster, runs, Math.ceil(runs.length / 4));
  const faultStarted = Date.now();
  const what = await fault();
  const outcomes = await driving;
  return finish(cluster, name, runs, started, earlier, {
    notes: [
      `${what}; the last run ended ${Date.now() - faultStarted} ms after the fault`,
      ...answerNotes(outcomes),
    ],
  });
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
    await cluster.seer.configure({ latency_ms: 1_500 });
    const runs = explorerRuns(size.workerKill, 'cluster-worker-kill');
    const driving = drive(cluster, runs, runs.length, 120_000);
    await seerSaw(cluster, runs, Math.ceil(runs.length / 2));
    // worker-2 alone carries the runs worker-1 held: its workflow tasks time out and move, its
    // activities time out and retry there. worker-1 comes back only once every run has ended.
    await worker.kill('SIGKILL');
    const outcomes = await driving;
    await cluster.seer.configure({ latency_ms: 0 });
    await worker.restart();
    return finish(cluster, 'worker_killed', runs, started, earlier, {
      notes: [
        'worker-1 SIGKILLed mid-load, worker-2 alone until the end',
        ...answerNotes(outcomes),
      ],
    });
  },

  async api_killed(cluster, size, earlier) {
    const started = Date.now();
    const api = cluster.processes['api-1'];
    const [api1, api2] = cluster.apiUrls;
    // Each request waits on Seer for a while: some are in flight at api-1 when it dies.
    await cluster.seer.configure({ latency_ms: 1_000 });
    const runs = explorerRuns(size.apiKill, 'cluster-api-kill');
    const driving = drive(cluster, runs, runs.length, 120_000);
    await seerSaw(cluster, runs, Math.ceil(runs.length / 4));
    await api.kill('SIGKILL');
    const outcomes = await driving;
    await cluster.seer.configure({ latency_ms: 0 });
    await api.restart();
    // A run moved when api-1 could not be reached and api-2 gave its final answer.
    const moved = outcomes.filter(
      (o) => o.answers.some((a) => a.api === api1 && a.status === 0) && o.final.api === api2,
    ).length;
    // undici's UND_ERR_SOCKET: the connection was open and the request sent when api-1 died.
    const cutMidRequest = outcomes.filter((o) =>
      o.answers.some((a) => a.api === api1 && a.body.code === 'UND_ERR_SOCKET'),
    ).length;
    return finish(cluster, 'api_killed', runs, started, earlier, {
      notes: [
        `${moved} runs moved from api-1 to api-2 (${cutMidRequest} cut mid-request), same Idempotency-Key and retry_token`,
        ...answerNotes(outcomes),
      ],
    });
  },

  history_restarted: (cluster, size, earlier) =>
    midLoad(cluster, 'history_restarted', size, earlier, () =>
      killAndRestart(cluster.processes.history, 3_000),
    ),

  matching_restarted: (cluster, size, earlier) =>
    midLoad(cluster, 'matching_restarted', size, earlier, async () => {
      const restarting = Date.now();
      await cluster.processes.matching.restart();
      return `matching restarted (SIGTERM, start; ${Date.now() - restarting} ms to ready)`;
    }),

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
};
