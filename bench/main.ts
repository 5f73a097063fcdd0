// `npm run bench`: starts the local stack as `npm start` does (fake Seer 50 ms), then measures the
// direct, mirror, engine_floor and naive paths at c=1/16/64 in alternating rounds, and overload.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, relative } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { z } from 'zod';
import { intIn, orExit, parseEnv } from '../src/config';
import { SeerClient } from '../src/seer/client';
import { freePort, LATENCY_FLAGS } from '../src/temporal/dev-server';
import { startStack, type Stack } from '../src/stack/stack';
import { closedLoop, percentile, type LoadResult } from './load';
import { overload, type OverloadCounts } from './overload';
import {
  aggregate,
  formatOverload,
  formatTable,
  ratios,
  writeJson,
  type RoundFigure,
} from './report';
import { openWindow } from './proc-stats';
import { ApiLoad, BenchEngine, pathRunners, PATHS, type PathName } from './paths';

const CONCURRENCIES = [1, 16, 64] as const;
const OVERLOAD_CONCURRENCY = 256;
const WARMUP_CONCURRENCY = 8;

interface Plan {
  rounds: number;
  warmupRuns: number;
  runs: Record<(typeof CONCURRENCIES)[number], number>;
  overloadRuns: number;
  /** Between measurements: the server finishes the last runs' follow-up tasks before the next. */
  settleMs: number;
}
const FULL: Plan = {
  rounds: 3,
  warmupRuns: 50,
  runs: { 1: 60, 16: 300, 64: 600 },
  overloadRuns: 1024,
  settleMs: 1_000,
};
const QUICK: Plan = {
  rounds: 1,
  warmupRuns: 5,
  runs: { 1: 8, 16: 32, 64: 64 },
  overloadRuns: 256,
  settleMs: 200,
};

const ROOT = join(__dirname, '..');
const BenchEnv = z.object({ FAKE_SEER_LATENCY_MS: intIn(0, 600_000).default(50) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = performance.now();
const progress = (line: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}\n`);

/**
 * The stack's environment: this one's, minus anything that would point it elsewhere (another
 * Temporal, a real Seer, production tokens), plus the bench's own settings.
 */
function stackEnv(ports: { api: number; workerMetrics: number }, seerLatencyMs: number) {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('TEMPORAL_') || name === 'TEMPORAL_CLI_PATH',
    ),
  );
  delete env.SEER_URL;
  delete env.SEER_RUNS_API_TOKENS;
  delete env.NODE_ENV;
  return {
    ...env,
    PORT: String(ports.api),
    WORKER_METRICS_PORT: String(ports.workerMetrics),
    FAKE_SEER_LATENCY_MS: String(seerLatencyMs),
    SEER_RUN_MIRROR_ORGS: '1',
    LOG_LEVEL: 'warn',
  };
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

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const plan = quick ? QUICK : FULL;
  const { FAKE_SEER_LATENCY_MS: seerLatencyMs } = orExit(() => parseEnv(BenchEnv, process.env));
  const dir = mkdtempSync(join(tmpdir(), 'seer-runs-bench-'));
  const logFile = join(dir, 'bench.log');
  const log = createWriteStream(logFile);
  const sdkLogger = new DefaultLogger('WARN', (entry: LogEntry) =>
    log.write(`[bench] ${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {})}\n`),
  );
  // Core's own log lines go to the log file too, not to stdout beside the table.
  Runtime.install({
    logger: sdkLogger,
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
  });

  const [temporal, fakeSeer, api, workerMetrics] = await Promise.all(
    Array.from({ length: 4 }, () => freePort()),
  );
  const loadavgStart = roundedLoadavg();
  progress(`starting the stack (logs: ${logFile})`);

  let stack: Stack | undefined;
  let engine: BenchEngine | undefined;
  let apiLoad: ApiLoad | undefined;
  let seer: SeerClient | undefined;
  let stopped: Promise<void> | undefined;
  const cleanup = () =>
    (stopped ??= (async () => {
      await apiLoad?.close();
      await engine?.stop();
      await seer?.close();
      await stack?.stop();
      await new Promise<void>((resolve) => log.end(resolve));
    })());
  process.once('SIGINT', () => {
    progress('interrupted: stopping the stack');
    void cleanup().finally(() => process.exit(130));
  });

  try {
    stack = await startStack({
      env: stackEnv({ api: api!, workerMetrics: workerMetrics! }, seerLatencyMs),
      dataDir: dir,
      storage: 'memory',
      ports: { temporal: temporal!, ui: null, fakeSeer: fakeSeer!, codec: null },
      onLine: (name, line) => log.write(`[${name}] ${line}\n`),
    });
    const pids = {
      temporal: stack.processes.temporal!,
      api: stack.processes.api!,
      worker: stack.processes.worker!,
      seer: stack.processes['fake-seer']!,
      bench: process.pid,
    };
    seer = new SeerClient({
      baseUrl: stack.seerUrl,
      sharedSecret: stack.config.seer.sharedSecret,
      requestTimeoutMs: stack.config.seer.requestTimeoutMs,
    });
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      logger: sdkLogger,
    });
    engine = await BenchEngine.start({
      address: stack.temporalAddress,
      namespace: stack.config.temporal.namespace,
      bundle,
      seer,
    });
    apiLoad = new ApiLoad(stack.apiUrl, OVERLOAD_CONCURRENCY + 64);
    const prefix = `bench-${randomBytes(4).toString('hex')}`;
    let seq = 0;
    const nextSeq = () => ++seq;
    const runners = pathRunners(apiLoad, engine, prefix, seerLatencyMs);

    const measure = async (
      path: PathName,
      concurrency: number,
      run: () => Promise<LoadResult>,
    ): Promise<RoundFigure> => {
      const end = openWindow(Object.values(pids));
      const load = await run();
      const cost = end();
      // engine_floor and naive have no API: client and worker are the bench process itself.
      const viaApi = path === 'direct' || path === 'mirror';
      const cpu = (pid: number) => cost.cpuPct.get(pid) ?? null;
      const rss = (pid: number) => cost.peakRssMb.get(pid) ?? null;
      return {
        path,
        concurrency,
        runs: load.runs,
        throughput: load.latenciesMs.length / load.seconds,
        p50_ms: percentile(load.latenciesMs, 50),
        p95_ms: percentile(load.latenciesMs, 95),
        p99_ms: percentile(load.latenciesMs, 99),
        errors: load.errors,
        error_kinds: load.errorKinds,
        api_rss_mb: viaApi ? rss(pids.api) : null,
        worker_rss_mb: rss(viaApi ? pids.worker : pids.bench),
        server_cpu_pct: cpu(pids.temporal),
        api_cpu_pct: viaApi ? cpu(pids.api) : null,
        worker_cpu_pct: cpu(viaApi ? pids.worker : pids.bench),
        seer_cpu_pct: cpu(pids.seer),
        bench_cpu_pct: cpu(pids.bench),
        machine_cpu_pct: cost.machineCpuPct,
        others_cpu_pct: Math.max(
          0,
          cost.machineCpuPct * cpus().length -
            Object.values(pids).reduce((sum, pid) => sum + (cpu(pid) ?? 0), 0),
        ),
      };
    };
    const describe = (f: RoundFigure) =>
      `${f.throughput.toFixed(1)} runs/s, p50 ${f.p50_ms?.toFixed(1) ?? '-'} ms, ` +
      `errors ${f.errors}, server CPU ${f.server_cpu_pct?.toFixed(0) ?? '-'}%, ` +
      `others ${f.others_cpu_pct.toFixed(0)}%`;

    progress(`warming up (${plan.warmupRuns} runs per path)`);
    for (const path of PATHS) {
      const warm = await closedLoop(WARMUP_CONCURRENCY, plan.warmupRuns, runners[path], nextSeq);
      if (warm.errors) progress(`  warm-up ${path}: ${warm.errors} errors`);
    }

    const figures: RoundFigure[] = [];
    for (let round = 0; round < plan.rounds; round += 1) {
      for (const [ci, concurrency] of CONCURRENCIES.entries()) {
        // The order of the paths turns with each measurement, so drift hits them all alike.
        for (const path of rotate(PATHS, round + ci)) {
          await sleep(plan.settleMs);
          const figure = await measure(path, concurrency, () =>
            closedLoop(concurrency, plan.runs[concurrency], runners[path], nextSeq),
          );
          figures.push(figure);
          progress(
            `round ${round + 1}/${plan.rounds} c=${concurrency} ${path}: ${describe(figure)}`,
          );
        }
      }
    }

    await sleep(plan.settleMs);
    let counts: OverloadCounts | undefined;
    const overloadFigure = await measure('mirror', OVERLOAD_CONCURRENCY, async () => {
      const result = await overload(
        apiLoad!,
        OVERLOAD_CONCURRENCY,
        plan.overloadRuns,
        prefix,
        nextSeq,
      );
      counts = result.counts;
      return result.load;
    });
    progress(`overload c=${OVERLOAD_CONCURRENCY} mirror: ${describe(overloadFigure)}`);

    const rows = aggregate(figures);
    const ratioList = ratios(rows);
    const [overloadRow] = aggregate([overloadFigure]);
    const date = new Date().toISOString().slice(0, 10);
    const resultsDir = join(ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const jsonPath = join(resultsDir, `${date}${quick ? '-quick' : ''}.json`);
    const serverVersion = await engine.serverVersion();
    await writeJson(jsonPath, {
      machine: { ...machine(), loadavg_start: loadavgStart, loadavg_end: roundedLoadavg() },
      server: {
        version: serverVersion,
        cli: stack.server?.version ?? null,
        flags: LATENCY_FLAGS,
        storage: 'SQLite in memory',
        payload_encryption: true,
      },
      plan: {
        quick,
        seer_latency_ms: seerLatencyMs,
        sync_wait_timeout_ms: stack.config.syncWaitTimeoutMs,
        rounds: plan.rounds,
        warmup_runs_per_path: plan.warmupRuns,
        runs_per_measurement: plan.runs,
        overload: { concurrency: OVERLOAD_CONCURRENCY, runs: plan.overloadRuns },
      },
      results: [...rows, overloadRow],
      ratios: ratioList,
      overload: counts,
    });

    process.stdout.write(
      `\n${formatTable(rows, ratioList)}\n\n${formatOverload(counts!, overloadRow!)}\n\n` +
        `Seer latency ${seerLatencyMs} ms, Temporal ${serverVersion}, ${cpus().length} cores; ` +
        `medians of ${plan.rounds} round(s)\n` +
        `results: ${relative(process.cwd(), jsonPath)}\n`,
    );
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
