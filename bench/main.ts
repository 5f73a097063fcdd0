// `npm run bench [-- --backend cluster]`: starts the dev stack as `npm start` does, or the cluster
// (fake Seer 50 ms), then measures the four paths at c=1/16/64 in alternating rounds, and overload.
import { mkdirSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, relative } from 'node:path';
import { closedLoop } from './load';
import { describe, measure } from './measure';
import { overload, type OverloadCounts } from './overload';
import { PATHS } from './paths';
import {
  CONCURRENCIES,
  OVERLOAD_CONCURRENCY,
  readPlan,
  WARMUP_CONCURRENCY,
  type Plan,
} from './plan';
import { progress } from './progress';
import {
  aggregate,
  formatOverload,
  formatTable,
  ratios,
  writeJson,
  type RoundFigure,
} from './report';
import { startRig, type Rig } from './rig';

const ROOT = join(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const plan = readPlan(process.argv, process.env);
  const loadavgStart = roundedLoadavg();
  const rig = await startRig(plan);
  try {
    await warmUp(rig, plan);
    const figures = await rounds(rig, plan);
    const overloaded = await overloadLevel(rig, plan);
    await write(rig, plan, { figures, ...overloaded, loadavgStart });
  } finally {
    await rig.close();
  }
}

async function warmUp(rig: Rig, plan: Plan): Promise<void> {
  progress(`warming up (${plan.warmupRuns} runs per path)`);
  for (const path of PATHS) {
    const warm = await closedLoop(
      WARMUP_CONCURRENCY,
      plan.warmupRuns,
      rig.runners[path],
      rig.nextSeq,
    );
    if (warm.errors) progress(`  warm-up ${path}: ${warm.errors} errors`);
  }
}

/** Every concurrency for every path, each round; the order of the paths turns each time. */
async function rounds(rig: Rig, plan: Plan): Promise<RoundFigure[]> {
  const figures: RoundFigure[] = [];
  for (let round = 0; round < plan.rounds; round += 1) {
    for (const [ci, concurrency] of CONCURRENCIES.entries()) {
      // The order of the paths turns with each measurement, so drift hits them all alike.
      for (const path of rotate(PATHS, round + ci)) {
        await sleep(plan.settleMs);
        const figure = await measure(rig.processes, path, concurrency, () =>
          closedLoop(concurrency, plan.runs[concurrency], rig.runners[path], rig.nextSeq),
        );
        figures.push(figure);
        progress(`round ${round + 1}/${plan.rounds} c=${concurrency} ${path}: ${describe(figure)}`);
      }
    }
  }
  return figures;
}

async function overloadLevel(
  rig: Rig,
  plan: Plan,
): Promise<{ overloadFigure: RoundFigure; counts: OverloadCounts }> {
  await sleep(plan.settleMs);
  let counts: OverloadCounts | undefined;
  const overloadFigure = await measure(rig.processes, 'mirror', OVERLOAD_CONCURRENCY, async () => {
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
    overloadFigure: RoundFigure;
    counts: OverloadCounts;
    loadavgStart: number[];
  },
): Promise<void> {
  const { figures, overloadFigure, counts, loadavgStart } = measured;
  const { backend } = rig;
  const rows = aggregate(figures);
  const ratioList = ratios(rows);
  const [overloadRow] = aggregate([overloadFigure]);
  const date = new Date().toISOString().slice(0, 10);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  // The dev server's file keeps its name; the cluster's sits beside it.
  const suffix = `${backend.name === 'dev' ? '' : `-${backend.name}`}${plan.quick ? '-quick' : ''}`;
  const jsonPath = join(resultsDir, `${date}${suffix}.json`);
  const serverVersion = await rig.engine.serverVersion();
  await writeJson(jsonPath, {
    backend: backend.name,
    machine: { ...machine(), loadavg_start: loadavgStart, loadavg_end: roundedLoadavg() },
    server: { version: serverVersion, ...backend.server },
    plan: {
      quick: plan.quick,
      backend: backend.name,
      api_replicas: backend.apiUrls.length,
      seer_latency_ms: plan.seerLatencyMs,
      sync_wait_timeout_ms: backend.config.syncWaitTimeoutMs,
      rounds: plan.rounds,
      warmup_runs_per_path: plan.warmupRuns,
      runs_per_measurement: plan.runs,
      overload: { concurrency: OVERLOAD_CONCURRENCY, runs: plan.overloadRuns },
    },
    results: [...rows, overloadRow!].map((row) => ({ backend: backend.name, ...row })),
    ratios: ratioList,
    overload: counts,
  });

  process.stdout.write(
    `\n${formatTable(rows, ratioList)}\n\n${formatOverload(counts, overloadRow!)}\n\n` +
      `${backend.name === 'cluster' ? 'cluster (PostgreSQL, 4 services, mTLS, 2 APIs + 2 workers)' : 'dev server'}, ` +
      `Seer latency ${plan.seerLatencyMs} ms, Temporal ${serverVersion}, ${cpus().length} cores; ` +
      `medians of ${plan.rounds} round(s)\n` +
      `results: ${relative(process.cwd(), jsonPath)}\n`,
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

function rotate<T>(items: readonly T[], by: number): T[] {
  const n = by % items.length;
  return [...items.slice(n), ...items.slice(0, n)];
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
