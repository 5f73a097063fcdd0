// Turns the rounds into the figures the bench reports: the median of the rounds per path and
// concurrency, mirror's ratios to the other paths (and what fairness and the limiter cost it),
// the printed tables and the JSON rows.
import { writeFileSync } from 'node:fs';
import { median } from './load';
import type { OverloadCounts } from './overload';
import { isTwinPath, type PathName } from './path-names';
import { sumCounts, type ActionCounts } from './server-actions';

/** One measurement: one path at one concurrency in one round. */
export interface RoundFigure {
  path: PathName;
  concurrency: number;
  runs: number;
  throughput: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  errors: number;
  error_kinds: Record<string, number>;
  api_rss_mb: number | null;
  worker_rss_mb: number | null;
  /** Every Temporal server process (the dev server, or the cluster's four services). */
  server_cpu_pct: number | null;
  /** PostgreSQL's postmaster and its backends; null on the dev server (SQLite in its process). */
  postgres_cpu_pct: number | null;
  api_cpu_pct: number | null;
  worker_cpu_pct: number | null;
  seer_cpu_pct: number | null;
  bench_cpu_pct: number | null;
  machine_cpu_pct: number;
  /** CPU other programs took meanwhile, in % of one core: a noisy neighbour shows here. */
  others_cpu_pct: number;
  /** Runs that succeeded: what the per-run figures divide by. */
  succeeded: number;
  /** CPU ms per successful run: the Temporal server (every service), PostgreSQL (cluster). */
  server_ms_per_run: number | null;
  postgres_ms_per_run: number | null;
  /** API and worker (both replicas on the cluster); for engine_floor and naive, worker = the bench process. */
  api_ms_per_run: number | null;
  worker_ms_per_run: number | null;
  /** API + worker, or for engine_floor and naive the bench process (the floor's process). */
  process_ms_per_run: number | null;
  /** The server's `action` counter over the measurement, by action_type (not per run). */
  actions: ActionCounts;
  /** History events of each run read back (a few per measurement), and one typical run's types. */
  events: number[];
  event_types: string[] | null;
  /** Runs read back that had not closed (counted as they stood): should be 0. */
  histories_open: number;
}

/**
 * The reported figure: medians of the rounds; runs and errors summed; peak RSS the highest;
 * actions summed over the rounds and divided by the runs that succeeded; events the median of
 * every run read back.
 */
export interface ResultRow extends Omit<
  RoundFigure,
  'error_kinds' | 'succeeded' | 'actions' | 'events'
> {
  rounds: number;
  error_kinds: Record<string, number>;
  /** Every action_type that moved, per successful run; and their sum. */
  actions_per_run: number | null;
  actions_by_type: ActionCounts;
  events_per_run: number | null;
  /** Runs whose history was read, over the rounds. */
  histories_read: number;
  per_round: Array<{ throughput: number; p50_ms: number | null; p99_ms: number | null }>;
}

export interface Ratio {
  concurrency: number;
  vs: PathName;
  /** mirror's runs/s divided by the other path's. */
  throughput_ratio: number | null;
  /** mirror's p50 minus the other path's, in ms. */
  p50_diff_ms: number | null;
  /** mirror's p99 minus the other path's, in ms. */
  p99_diff_ms: number | null;
}

/** The issue's bound: mirror with fairness and the limiter on within 5% of the rows with both off. */
export const FAIRNESS_TOLERANCE_PCT = 5;

/**
 * mirror_fairness_on (fairness and the limiter on) against mirror_fairness_off (both off), each on
 * its own twin stack, at one concurrency.
 */
export interface FairnessCost {
  concurrency: number;
  /** on's runs/s ÷ off's. */
  throughput_ratio: number | null;
  /** on's runs/s relative to off's, in % (−3.0 = 3% fewer runs/s with both on). */
  throughput_diff_pct: number | null;
  p50_diff_ms: number | null;
  /** on's p50 relative to off's, in % (+3.0 = 3% slower with both on). */
  p50_diff_pct: number | null;
  p99_diff_ms: number | null;
  p99_diff_pct: number | null;
  /**
   * Throughput and p50 each within FAIRNESS_TOLERANCE_PCT of off's, either way (a larger gain is
   * noise too). p99 is shown, not judged: at c=1 it is one of the slowest few runs of a round.
   */
  within_tolerance: boolean | null;
}
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const round2 = (n: number) => Math.round(n * 100) / 100;

function medianOf(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? round1(median(present)) : null;
}

function maxOf(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? round1(Math.max(...present)) : null;
}

export function aggregate(figures: RoundFigure[]): ResultRow[] {
  const groups = new Map<string, RoundFigure[]>();
  for (const f of figures) {
    const key = `${f.concurrency}/${f.path}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()].map((rounds) => {
    const first = rounds[0]!;
    const errorKinds: Record<string, number> = {};
    for (const r of rounds) {
      for (const [kind, n] of Object.entries(r.error_kinds)) {
        errorKinds[kind] = (errorKinds[kind] ?? 0) + n;
      }
    }
    const pick = (field: keyof RoundFigure) => rounds.map((r) => r[field] as number | null);
    const succeeded = rounds.reduce((n, r) => n + r.succeeded, 0);
    const actions = sumCounts(rounds.map((r) => r.actions));
    const actionsByType = Object.fromEntries(
      Object.entries(actions)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, n]) => [type, round2(n / succeeded)]),
    );
    const actionsTotal = Object.values(actions).reduce((sum, n) => sum + n, 0);
    const events = rounds.flatMap((r) => r.events);
    return {
      path: first.path,
      concurrency: first.concurrency,
      runs: rounds.reduce((n, r) => n + r.runs, 0),
      throughput: medianOf(pick('throughput'))!,
      p50_ms: medianOf(pick('p50_ms')),
      p95_ms: medianOf(pick('p95_ms')),
      p99_ms: medianOf(pick('p99_ms')),
      errors: rounds.reduce((n, r) => n + r.errors, 0),
      api_rss_mb: maxOf(pick('api_rss_mb')),
      worker_rss_mb: maxOf(pick('worker_rss_mb')),
      server_cpu_pct: medianOf(pick('server_cpu_pct')),
      postgres_cpu_pct: medianOf(pick('postgres_cpu_pct')),
      api_cpu_pct: medianOf(pick('api_cpu_pct')),
      worker_cpu_pct: medianOf(pick('worker_cpu_pct')),
      seer_cpu_pct: medianOf(pick('seer_cpu_pct')),
      bench_cpu_pct: medianOf(pick('bench_cpu_pct')),
      machine_cpu_pct: medianOf(pick('machine_cpu_pct'))!,
      others_cpu_pct: medianOf(pick('others_cpu_pct'))!,
      server_ms_per_run: medianOf(pick('server_ms_per_run')),
      postgres_ms_per_run: medianOf(pick('postgres_ms_per_run')),
      api_ms_per_run: medianOf(pick('api_ms_per_run')),
      worker_ms_per_run: medianOf(pick('worker_ms_per_run')),
      process_ms_per_run: medianOf(pick('process_ms_per_run')),
      actions_per_run: succeeded ? round2(actionsTotal / succeeded) : null,
      actions_by_type: succeeded ? actionsByType : {},
      events_per_run: median(events),
      event_types: rounds.at(-1)!.event_types,
      histories_read: events.length,
      histories_open: rounds.reduce((n, r) => n + r.histories_open, 0),
      rounds: rounds.length,
      error_kinds: errorKinds,
      per_round: rounds.map((r) => ({
        throughput: round1(r.throughput)!,
        p50_ms: round1(r.p50_ms),
        p99_ms: round1(r.p99_ms),
      })),
    };
  });
}

export function ratios(rows: ResultRow[]): Ratio[] {
  const out: Ratio[] = [];
  for (const mirror of rows.filter((r) => r.path === 'mirror')) {
    for (const other of rows) {
      // The twin rows ran on other stacks: they are compared with each other (fairnessCost).
      if (other.concurrency !== mirror.concurrency || other.path === 'mirror') continue;
      if (isTwinPath(other.path)) continue;
      out.push({
        concurrency: mirror.concurrency,
        vs: other.path,
        throughput_ratio:
          other.throughput > 0
            ? Math.round((mirror.throughput / other.throughput) * 100) / 100
            : null,
        p50_diff_ms:
          mirror.p50_ms === null || other.p50_ms === null
            ? null
            : round1(mirror.p50_ms - other.p50_ms),
        p99_diff_ms:
          mirror.p99_ms === null || other.p99_ms === null
            ? null
            : round1(mirror.p99_ms - other.p99_ms),
      });
    }
  }
  return out;
}

/** `on` relative to `off`, in % to one decimal; null when either is missing or off is 0. */
function diffPct(on: number | null, off: number | null): number | null {
  if (on === null || off === null || off === 0) return null;
  return round1(((on - off) / off) * 100);
}

/** Per concurrency measured on both twins: what fairness and the limiter cost the mirror path. */
export function fairnessCost(rows: ResultRow[]): FairnessCost[] {
  const out: FairnessCost[] = [];
  for (const on of rows.filter((r) => r.path === 'mirror_fairness_on')) {
    const off = rows.find(
      (r) => r.path === 'mirror_fairness_off' && r.concurrency === on.concurrency,
    );
    if (!off) continue;
    const throughputPct = diffPct(on.throughput, off.throughput);
    const p50Pct = diffPct(on.p50_ms, off.p50_ms);
    const within = (pct: number | null) => pct !== null && Math.abs(pct) <= FAIRNESS_TOLERANCE_PCT;
    out.push({
      concurrency: on.concurrency,
      throughput_ratio:
        off.throughput > 0 ? Math.round((on.throughput / off.throughput) * 1000) / 1000 : null,
      throughput_diff_pct: throughputPct,
      p50_diff_ms:
        on.p50_ms === null || off.p50_ms === null ? null : round1(on.p50_ms - off.p50_ms),
      p50_diff_pct: p50Pct,
      p99_diff_ms:
        on.p99_ms === null || off.p99_ms === null ? null : round1(on.p99_ms - off.p99_ms),
      p99_diff_pct: diffPct(on.p99_ms, off.p99_ms),
      within_tolerance:
        throughputPct === null || p50Pct === null ? null : within(throughputPct) && within(p50Pct),
    });
  }
  return out;
}

const cell = (n: number | null, digits = 1) => (n === null ? '-' : n.toFixed(digits));

/**
 * One table: a row per concurrency and path; non-mirror rows carry mirror's ratio to them. A
 * PostgreSQL column when the server keeps its state there.
 */
export function formatTable(rows: ResultRow[], ratioList: Ratio[]): string {
  const withPostgres = rows.some((r) => r.postgres_cpu_pct !== null);
  const header = [
    'c',
    'path',
    'runs',
    'runs/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'API MB',
    'worker MB',
    'server CPU%',
    ...(withPostgres ? ['PG CPU%'] : []),
    'others CPU%',
    'server ms/run',
    'API+worker ms/run',
    'mirror/path runs/s',
    'mirror-path p50 ms',
  ];
  const body = rows.map((r) => {
    const ratio = ratioList.find((x) => x.concurrency === r.concurrency && x.vs === r.path);
    return [
      String(r.concurrency),
      r.path,
      String(r.runs),
      cell(r.throughput),
      cell(r.p50_ms),
      cell(r.p95_ms),
      cell(r.p99_ms),
      String(r.errors),
      cell(r.api_rss_mb, 0),
      cell(r.worker_rss_mb, 0),
      cell(r.server_cpu_pct, 0),
      ...(withPostgres ? [cell(r.postgres_cpu_pct, 0)] : []),
      cell(r.others_cpu_pct, 0),
      cell(r.server_ms_per_run),
      cell(r.process_ms_per_run),
      ratio ? `${cell(ratio.throughput_ratio, 2)}x` : '',
      ratio && ratio.p50_diff_ms !== null
        ? `${ratio.p50_diff_ms >= 0 ? '+' : ''}${cell(ratio.p50_diff_ms)}`
        : '',
    ];
  });
  return markdownTable(header, body);
}

/** Columns left-aligned up to `textColumns`, numbers right-aligned after. */
export function markdownTable(header: string[], body: string[][], textColumns = 2): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

/**
 * The second table, cost per LIVE run: history events, server actions, server and process CPU
 * ms, for every path and concurrency and the retried-once runs; then each durable path's
 * actions by type and one run's events, at the highest concurrency.
 */
export function formatCostTable(rows: ResultRow[], retried: ResultRow | null): string {
  const withPostgres = rows.some((r) => r.postgres_ms_per_run !== null);
  const header = [
    'c',
    'path',
    'events/run',
    'actions/run',
    'server ms/run',
    ...(withPostgres ? ['PG ms/run'] : []),
    'process ms/run',
  ];
  const labelled: Array<{ label: string; row: ResultRow }> = [
    ...rows.map((row) => ({ label: row.path, row })),
    ...(retried ? [{ label: 'mirror_retried_once', row: retried }] : []),
  ];
  const body = labelled.map(({ label, row }) => [
    String(row.concurrency),
    label,
    cell(row.events_per_run, 0),
    cell(row.actions_per_run, 2),
    cell(row.server_ms_per_run),
    ...(withPostgres ? [cell(row.postgres_ms_per_run)] : []),
    cell(row.process_ms_per_run),
  ]);
  const top = Math.max(...rows.map((r) => r.concurrency));
  const details = labelled
    .filter(({ row }) => row.event_types !== null && (row.concurrency === top || row === retried))
    .map(
      ({ label, row }) =>
        `${label} c=${row.concurrency}: actions ${
          Object.entries(row.actions_by_type)
            .map(([type, n]) => `${type} ${n}`)
            .join(', ') || 'none'
        }; events ${row.event_types!.join(', ')}`,
    );
  return [
    'cost per LIVE run: events, actions, server ms, process ms (API+worker; the bench process for engine_floor and naive)',
    markdownTable(header, body),
    ...details,
  ].join('\n');
}

const signed = (n: number | null, unit: string) =>
  n === null ? '-' : `${n >= 0 ? '+' : ''}${n.toFixed(1)}${unit}`;

/** The twin rows, on vs off, a line per concurrency; `aa`: both were off. */
export function formatFairnessCost(costs: FairnessCost[], aa = false): string {
  const rows = costs.map((c) => [
    String(c.concurrency),
    c.throughput_ratio === null ? '-' : `${c.throughput_ratio.toFixed(3)}x`,
    signed(c.throughput_diff_pct, '%'),
    signed(c.p50_diff_ms, ''),
    signed(c.p50_diff_pct, '%'),
    signed(c.p99_diff_ms, ''),
    signed(c.p99_diff_pct, '%'),
    c.within_tolerance === null ? '-' : c.within_tolerance ? 'yes' : 'NO',
  ]);
  return [
    (aa
      ? 'A/A run (--fairness-aa): mirror_fairness_on and mirror_fairness_off both with fairness and the Seer limiter off, each on its own twin stack (what the rig puts between the two rows); '
      : 'mirror_fairness_on (fairness and the Seer limiter on) vs mirror_fairness_off (both off), each on its own twin dev stack carrying only its rows, same rounds; ') +
      `within: runs/s and p50 each within ${FAIRNESS_TOLERANCE_PCT}%`,
    markdownTable(
      [
        'c',
        'on/off runs/s',
        'runs/s %',
        'on-off p50 ms',
        'p50 %',
        'on-off p99 ms',
        'p99 %',
        'within',
      ],
      rows,
      1,
    ),
  ].join('\n');
}

export function formatOverload(c: OverloadCounts, row: ResultRow): string {
  return (
    `overload, mirror at c=${c.concurrency}: ${c.requested} runs, first answers ` +
    `201=${c.created_201} 200=${c.joined_200} 500 pending=${c.pending_500} other=${c.unexpected}; ` +
    `${c.live} LIVE (${c.followed_to_live} followed with their retry_token, ` +
    `${c.follow_up_requests} follow-ups), ${c.not_live} not LIVE; ` +
    `${cell(row.throughput)} runs/s, p50 ${cell(row.p50_ms)} ms, p99 ${cell(row.p99_ms)} ms`
  );
}

/** Written as the project's Prettier would format it, so the committed file stays clean. */
export async function writeJson(path: string, document: unknown): Promise<void> {
  // Loaded here, not at the top: Prettier's CommonJS entry cannot load under jest, which the
  // unit tests of this module's figures run in.
  const { format, resolveConfig } = await import('prettier');
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(JSON.stringify(document), { ...options, parser: 'json' }));
}
