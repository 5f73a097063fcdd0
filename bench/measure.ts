// One measurement: a load over one path at one concurrency, with what it cost each process of
// the stack (CPU, peak RSS from /proc) turned into the figure the report aggregates.
import { cpus } from 'node:os';
import { percentile, type LoadResult } from './load';
import type { PathName } from './paths';
import { openWindow } from './proc-stats';
import type { RoundFigure } from './report';

/** The processes whose cost is measured; the bench's own process hosts engine_floor and naive. */
export type MeasuredPids = Record<'temporal' | 'api' | 'worker' | 'seer' | 'bench', number>;

export async function measure(
  pids: MeasuredPids,
  path: PathName,
  concurrency: number,
  run: () => Promise<LoadResult>,
): Promise<RoundFigure> {
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
}

/** The progress line of one measurement. */
export function describe(f: RoundFigure): string {
  return (
    `${f.throughput.toFixed(1)} runs/s, p50 ${f.p50_ms?.toFixed(1) ?? '-'} ms, ` +
    `errors ${f.errors}, server CPU ${f.server_cpu_pct?.toFixed(0) ?? '-'}%, ` +
    `others ${f.others_cpu_pct.toFixed(0)}%`
  );
}
