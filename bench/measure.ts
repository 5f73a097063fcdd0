// One measurement: a load over one path at one concurrency, with what it cost each group of the
// stack's processes (CPU, peak RSS from /proc) turned into the figure the report aggregates.
import { cpus } from 'node:os';
import { percentile, type LoadResult } from './load';
import type { PathName } from './paths';
import { openWindow, type ProcessGroup } from './proc-stats';
import type { RoundFigure } from './report';

/**
 * The processes whose cost is measured, by role: every Temporal server process, every API
 * replica, every worker, the fake Seer, the bench itself (it hosts engine_floor's and naive's
 * client and worker), and PostgreSQL when the server keeps its state there.
 */
export interface MeasuredProcesses {
  temporal: ProcessGroup;
  api: ProcessGroup;
  worker: ProcessGroup;
  seer: ProcessGroup;
  bench: ProcessGroup;
  postgres?: ProcessGroup;
}

type Group = keyof MeasuredProcesses;

export async function measure(
  processes: MeasuredProcesses,
  path: PathName,
  concurrency: number,
  run: () => Promise<LoadResult>,
): Promise<RoundFigure> {
  const groups = Object.keys(processes).filter(
    (g): g is Group => processes[g as Group] !== undefined,
  );
  const end = openWindow(
    Object.fromEntries(groups.map((g) => [g, processes[g]!])) as Record<Group, ProcessGroup>,
  );
  const load = await run();
  const cost = end();
  // engine_floor and naive have no API: client and worker are the bench process itself.
  const viaApi = path === 'direct' || path === 'mirror';
  const cpu = (group: Group) => cost.cpuPct[group] ?? null;
  const rss = (group: Group) => cost.peakRssMb[group] ?? null;
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
    api_rss_mb: viaApi ? rss('api') : null,
    worker_rss_mb: rss(viaApi ? 'worker' : 'bench'),
    server_cpu_pct: cpu('temporal'),
    postgres_cpu_pct: processes.postgres ? cpu('postgres') : null,
    api_cpu_pct: viaApi ? cpu('api') : null,
    worker_cpu_pct: cpu(viaApi ? 'worker' : 'bench'),
    seer_cpu_pct: cpu('seer'),
    bench_cpu_pct: cpu('bench'),
    machine_cpu_pct: cost.machineCpuPct,
    others_cpu_pct: Math.max(
      0,
      cost.machineCpuPct * cpus().length - groups.reduce((sum, g) => sum + (cpu(g) ?? 0), 0),
    ),
  };
}

/** The progress line of one measurement. */
export function describe(f: RoundFigure): string {
  const postgres =
    f.postgres_cpu_pct === null ? '' : `, PostgreSQL CPU ${f.postgres_cpu_pct.toFixed(0)}%`;
  return (
    `${f.throughput.toFixed(1)} runs/s, p50 ${f.p50_ms?.toFixed(1) ?? '-'} ms, ` +
    `errors ${f.errors}, server CPU ${f.server_cpu_pct?.toFixed(0) ?? '-'}%${postgres}, ` +
    `others ${f.others_cpu_pct.toFixed(0)}%`
  );
}
