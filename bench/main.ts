// `npm run bench [-- --backend cluster]`: starts the dev stack as `npm start` does, or the cluster
// (fake Seer 50 ms), then measures the four paths at c=1/16/64 in alternating rounds, runs that
// retried once, and overload. `--profile`: a CPU profile of the API at c=64 instead.
import { mkdirSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, relative } from 'node:path';
import { formatProfile, profileApi } from './api-profile';
import { closedLoop } from './load';
import { describe, measure } from './measure';
import { overload, type OverloadCounts } from './overload';
import {
  CONCURRENCIES,
  FAIRNESS_ENV,
  measurementOrder,
  OVERLOAD_CONCURRENCY,
  readPlan,
  WARMUP_CONCURRENCY,
  type Plan,
} from './plan';
import { progress } from './progress';
import {
  aggregate,
  fairnessCost,
  formatCostTable,
  formatFairnessCost,
  formatOverload,
  formatTable,
  ratios,
  writeJson,
  type RoundFigure,
} from './report';
import { retriedOnce, type RetriedOnceRow } from './retried-once';
import { startRig, type Rig } from './rig';

const ROOT = join(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const plan = readPlan(process.argv, process.env);
  const loadavgStart = roundedLoadavg();
  const rig = await startRig(plan);
  try {
    if (plan.profile) return await profile(rig, plan, loadavgStart);
    await warmUp(rig, plan);
    const figures = await rounds(rig, plan);
    const retried = await retriedRuns(rig, plan);
    const overloaded = await overloadLevel(rig, plan);
    await write(rig, plan, { figures, retried, ...overloaded, loadavgStart });
  } finally {
    await rig.close();
  }
}

async function warmUp(rig: Rig, plan: Plan): Promise<void> {
  progress(`warming up (${plan.warmupRuns} runs per path)`);
  for (const path of rig.paths) {
    const warm = await closedLoop(
      WARMUP_CONCURRENCY,
      plan.warmupRuns,
      rig.lane(path).run,
      rig.nextSeq,
    );
    if (warm.errors) progress(`  warm-up ${path}: ${warm.errors} errors`);
  }
}

/**
 * Every concurrency for every path, each round; the order of the paths turns each time, with
 * the twin rows right after mirror (measurementOrder).
 */
async function rounds(rig: Rig, plan: Plan): Promise<RoundFigure[]> {
  const figures: RoundFigure[] = [];
  for (let round = 0; round < plan.rounds; round += 1) {
    for (const [ci, concurrency] of CONCURRENCIES.entries()) {
      for (const path of measurementOrder(rig.paths, round + ci)) {
        await sleep(plan.settleMs);
        const { run, gauges } = rig.lane(path);
        const figure = await measure(gauges, path, concurrency, () =>
          closedLoop(concurrency, plan.runs[concurrency], run, rig.nextSeq),
        );
        figures.push(figure);
        progress(`round ${round + 1}/${plan.rounds} c=${concurrency} ${path}: ${describe(figure)}`);
      }
    }
  }
  return figures;
}

/** After the rounds: mirror runs at c=1 whose first Seer request is answered 503. */
async function retriedRuns(rig: Rig, plan: Plan): Promise<RetriedOnceRow> {
  await sleep(plan.settleMs);
  const row = await retriedOnce(rig, plan);
  progress(
    `retried once, mirror c=1: ${row.runs} runs, p50 ${row.p50_ms ?? '-'} ms, errors ${row.errors}, ` +
      `${row.first_answered_503} first requests answered 503, ${row.seer_requests_per_run ?? '-'} Seer requests per run`,
  );
  return row;
}

async function overloadLevel(
  rig: Rig,
  plan: Plan,
): Promise<{ overloadFigure: RoundFigure; counts: OverloadCounts }> {
  await sleep(plan.settleMs);
  let counts: OverloadCounts | undefined;
  const overloadFigure = await measure(rig.gauges, 'mirror', OVERLOAD_CONCURRENCY, async () => {
    const result = await overload(
      rig.apiLoad,
      OVERLOAD_CONCURRENCY,
      plan.overloadRuns,
      rig.prefix,
      rig.nextSeq,
    );
    counts = result.counts;
    return result.load;
  });
  progress(`overload c=${OVERLOAD_CONCURRENCY} mirror: ${describe(overloadFigure)}`);
  return { overloadFigure, counts: counts! };
}

/** bench/results/<date>[-cluster][-quick].json and the table on stdout. */
async function write(
  rig: Rig,
  plan: Plan,
  measured: {
    figures: RoundFigure[];
    retried: RetriedOnceRow;
    overloadFigure: RoundFigure;
    counts: OverloadCounts;
    loadavgStart: number[];
  },
): Promise<void> {
  const { figures, retried, overloadFigure, counts, loadavgStart } = measured;
  const { backend } = rig;
  const rows = aggregate(figures);
  const ratioList = ratios(rows);
  const fairness = fairnessCost(rows);
  const [overloadRow] = aggregate([overloadFigure]);
  const jsonPath = resultsPath(rig, plan, '');
  const serverVersion = await rig.engine.serverVersion();
  await writeJson(jsonPath, {
    backend: backend.name,
    machine: { ...machine(), loadavg_start: loadavgStart, loadavg_end: roundedLoadavg() },
    server: {
      version: serverVersion,
      ...backend.server,
      ...(rig.twins
        ? {
            fairness_on_twin: rig.twins.on.backend.server,
            fairness_off_twin: rig.twins.off.backend.server,
          }
        : {}),
    },
    plan: {
      quick: plan.quick,
      tracing: plan.tracing,
      fairness_aa: plan.fairnessAa,
      backend: backend.name,
      api_replicas: backend.apiUrls.length,
      seer_latency_ms: plan.seerLatencyMs,
      sync_wait_timeout_ms: backend.config.syncWaitTimeoutMs,
      rounds: plan.rounds,
      warmup_runs_per_path: plan.warmupRuns,
      runs_per_measurement: plan.runs,
      retried_once_runs: plan.retriedRuns,
      overload: { concurrency: OVERLOAD_CONCURRENCY, runs: plan.overloadRuns },
      // Which path went when: the twin rows follow mirror and take turns at going first.
      order: Array.from({ length: plan.rounds }, (_, round) =>
        CONCURRENCIES.map((concurrency, ci) => ({
          round: round + 1,
          concurrency,
          paths: measurementOrder(rig.paths, round + ci),
        })),
      ).flat(),
      // What each stack's API and workers were started with (the twin paths: their own stacks).
      fairness_env: {
        main: FAIRNESS_ENV.on,
        ...(rig.twins
          ? {
              mirror_fairness_on: FAIRNESS_ENV[plan.fairnessAa ? 'off' : 'on'],
              mirror_fairness_off: FAIRNESS_ENV.off,
            }
          : {}),
      },
    },
    results: [...rows, overloadRow!].map((row) => ({ backend: backend.name, ...row })),
    ratios: ratioList,
    fairness_on_vs_off: fairness,
    mirror_retried_once: { backend: backend.name, ...retried },
    overload: counts,
  });

  process.stdout.write(
    `\n${formatTable(rows, ratioList)}\n\n${formatCostTable(rows, retried)}\n\n` +
      (fairness.length ? `${formatFairnessCost(fairness, plan.fairnessAa)}\n\n` : '') +
      `${formatOverload(counts, overloadRow!)}\n\n` +
      `${backend.name === 'cluster' ? 'cluster (PostgreSQL, 4 services, mTLS, 2 APIs + 2 workers)' : 'dev server'}, ` +
      `Seer latency ${plan.seerLatencyMs} ms, Temporal ${serverVersion}, ${cpus().length} cores; ` +
      `medians of ${plan.rounds} round(s)\n` +
      `results: ${relative(process.cwd(), jsonPath)}\n`,
  );
}

/** `--profile`: the API's CPU profile at c=64, into bench/results/<date>[-quick]-api-profile.json. */
async function profile(rig: Rig, plan: Plan, loadavgStart: number[]): Promise<void> {
  const result = await profileApi(rig, plan);
  const jsonPath = resultsPath(rig, plan, '-api-profile');
  await writeJson(jsonPath, {
    backend: rig.backend.name,
    machine: { ...machine(), loadavg_start: loadavgStart, loadavg_end: roundedLoadavg() },
    server: rig.backend.server,
    plan: {
      quick: plan.quick,
      seer_latency_ms: plan.seerLatencyMs,
      sync_wait_timeout_ms: rig.backend.config.syncWaitTimeoutMs,
      api_embedded_worker: rig.backend.config.apiEmbeddedWorker,
      warmup_runs: plan.warmupRuns,
    },
    ...result,
  });
  process.stdout.write(
    `\n${formatProfile(result)}\nresults: ${relative(process.cwd(), jsonPath)}\n`,
  );
}

/** bench/results/<date>[-cluster][-quick][-tracing][-fairness-aa]<kind>.json: the dev server's keeps its name, the others sit beside it. */
function resultsPath(rig: Rig, plan: Plan, kind: string): string {
  const date = new Date().toISOString().slice(0, 10);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const backend = rig.backend.name === 'dev' ? '' : `-${rig.backend.name}`;
  const tracing = plan.tracing ? '-tracing' : '';
  const aa = plan.fairnessAa ? '-fairness-aa' : '';
  return join(
    resultsDir,
    `${date}${backend}${plan.quick ? '-quick' : ''}${tracing}${aa}${kind}.json`,
  );
}

function roundedLoadavg(): number[] {
  return loadavg().map((n) => Math.round(n * 100) / 100);
}

function machine() {
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
