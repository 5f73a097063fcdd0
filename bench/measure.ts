// One measurement: a load over one path at one concurrency, with what it cost each group of the
// stack's processes (CPU, peak RSS from /proc) and the server (actions, history events), turned
// into the figure the report aggregates.
import { cpus } from 'node:os';
import type { Client } from '@temporalio/client';
import { sampleHistories } from './histories';
import { median, percentile, type LoadResult } from './load';
import { API_PATHS, type PathName } from './paths';
import { openWindow, type ProcessGroup } from './proc-stats';
import type { RoundFigure } from './report';
import { actionDelta, type ServerActions } from './server-actions';

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

/** What a measurement reads besides its load: the processes, the server's action counter, histories. */
export interface Gauges {
  processes: MeasuredProcesses;
  actions: ServerActions;
  /** The bench's own Temporal client, which reads the sampled runs' histories. */
  historyClient: Client;
}

export async function measure(
  gauges: Gauges,
  path: PathName,
  concurrency: number,
  run: () => Promise<LoadResult>,
): Promise<RoundFigure> {
  const { processes } = gauges;
  const groups = Object.keys(processes).filter(
    (g): g is Group => processes[g as Group] !== undefined,
  );
  // Settled before and after: the last path's closing tasks are not counted here, this one's are.
  const actionsBefore = await gauges.actions.baseline();
  const end = openWindow(
    Object.fromEntries(groups.map((g) => [g, processes[g]!])) as Record<Group, ProcessGroup>,
  );
  const load = await run();
  const cost = end();
  const actions = actionDelta(actionsBefore, await gauges.actions.settled());
  const histories = await sampleHistories(gauges.historyClient, load.workflowIds);
  // engine_floor and naive have no API: client and worker are the bench process itself.
  const viaApi = API_PATHS.has(path);
  const cpu = (group: Group) => cost.cpuPct[group] ?? null;
  const rss = (group: Group) => cost.peakRssMb[group] ?? null;
  const succeeded = load.latenciesMs.length;
  const perRun = (...of: Group[]): number | null => {
    const ms = of.map((group) => cost.cpuMs[group] ?? null);
    if (succeeded === 0 || ms.some((m) => m === null)) return null;
    return ms.reduce<number>((sum, m) => sum + m!, 0) / succeeded;
  };
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
    succeeded,
    server_ms_per_run: perRun('temporal'),
    postgres_ms_per_run: processes.postgres ? perRun('postgres') : null,
    api_ms_per_run: viaApi ? perRun('api') : null,
    worker_ms_per_run: perRun(viaApi ? 'worker' : 'bench'),
    process_ms_per_run: viaApi ? perRun('api', 'worker') : perRun('bench'),
    actions,
    events: histories?.events ?? [],
    event_types: histories?.eventTypes ?? null,
    histories_open: histories?.open ?? 0,
  };
}

/** The progress line of one measurement. */
export function describe(f: RoundFigure): string {
  const postgres =
    f.postgres_cpu_pct === null ? '' : `, PostgreSQL CPU ${f.postgres_cpu_pct.toFixed(0)}%`;
  const actions = Object.values(f.actions).reduce((sum, n) => sum + n, 0);
  const perRun = (n: number | null) => (n === null ? '-' : n.toFixed(1));
  return (
    `${f.throughput.toFixed(1)} runs/s, p50 ${f.p50_ms?.toFixed(1) ?? '-'} ms, ` +
    `errors ${f.errors}, server CPU ${f.server_cpu_pct?.toFixed(0) ?? '-'}%${postgres}, ` +
    `others ${f.others_cpu_pct.toFixed(0)}%; per run: server ${perRun(f.server_ms_per_run)} ms, ` +
    `process ${perRun(f.process_ms_per_run)} ms, ` +
    `${f.succeeded ? (actions / f.succeeded).toFixed(2) : '-'} actions, ` +
    `${f.events.length ? median(f.events) : '-'} events`
  );
}
