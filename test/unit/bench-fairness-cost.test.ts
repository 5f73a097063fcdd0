// What the bench reports of fairness and the Seer limiter (bench/report.ts, bench/plan.ts): the
// twin rows with both on (mirror_fairness_on) against both off (mirror_fairness_off), judged
// within 5%, and the order of the measurements that keeps them side by side in every round.
import { measurementOrder, readPlan } from '../../bench/plan';
import { PATHS, type PathName } from '../../bench/path-names';
import { fairnessCost, formatFairnessCost, ratios, type ResultRow } from '../../bench/report';

function row(
  path: PathName,
  concurrency: number,
  figures: { throughput: number; p50_ms: number | null; p99_ms: number | null },
): ResultRow {
  return {
    path,
    concurrency,
    runs: 300,
    ...figures,
    p95_ms: figures.p99_ms,
    errors: 0,
    api_rss_mb: 300,
    worker_rss_mb: 150,
    server_cpu_pct: 90,
    postgres_cpu_pct: null,
    api_cpu_pct: 40,
    worker_cpu_pct: 30,
    seer_cpu_pct: 5,
    bench_cpu_pct: 10,
    machine_cpu_pct: 90,
    others_cpu_pct: 2,
    server_ms_per_run: 10,
    postgres_ms_per_run: null,
    api_ms_per_run: 8,
    worker_ms_per_run: 4,
    process_ms_per_run: 12,
    rounds: 3,
    error_kinds: {},
    actions_per_run: 3,
    actions_by_type: {},
    events_per_run: 7,
    event_types: null,
    histories_read: 15,
    histories_open: 0,
    per_round: [],
  };
}

describe('mirror with fairness and the limiter on against both off, on twin stacks', () => {
  const rows = [
    row('mirror', 1, { throughput: 10, p50_ms: 95, p99_ms: 130 }),
    row('mirror_fairness_on', 1, { throughput: 11.4, p50_ms: 87.5, p99_ms: 120 }),
    row('mirror_fairness_off', 1, { throughput: 11.6, p50_ms: 86.0, p99_ms: 100 }),
    row('mirror', 64, { throughput: 50, p50_ms: 1100, p99_ms: 1600 }),
    row('mirror_fairness_on', 64, { throughput: 60, p50_ms: 1000, p99_ms: 1500 }),
    row('mirror_fairness_off', 64, { throughput: 66, p50_ms: 960, p99_ms: 1400 }),
    row('engine_floor', 64, { throughput: 80, p50_ms: 700, p99_ms: 900 }),
  ];

  it("keeps the twin rows out of mirror's ratios: they ran on other stacks", () => {
    expect(ratios(rows)).toEqual([
      {
        concurrency: 64,
        vs: 'engine_floor',
        throughput_ratio: 0.63,
        p50_diff_ms: 400,
        p99_diff_ms: 700,
      },
    ]);
  });

  it('judges runs/s and p50 within 5% of the off row, and shows p99 without judging it', () => {
    expect(fairnessCost(rows)).toEqual([
      {
        concurrency: 1,
        throughput_ratio: 0.983,
        throughput_diff_pct: -1.7,
        p50_diff_ms: 1.5,
        p50_diff_pct: 1.7,
        p99_diff_ms: 20,
        p99_diff_pct: 20,
        within_tolerance: true,
      },
      {
        concurrency: 64,
        throughput_ratio: 0.909,
        throughput_diff_pct: -9.1,
        p50_diff_ms: 40,
        p50_diff_pct: 4.2,
        p99_diff_ms: 100,
        p99_diff_pct: 7.1,
        within_tolerance: false,
      },
    ]);
  });

  it('counts a gain beyond 5% as outside the bound too: the rows should be alike', () => {
    const [cost] = fairnessCost([
      row('mirror_fairness_on', 16, { throughput: 50, p50_ms: 300, p99_ms: 500 }),
      row('mirror_fairness_off', 16, { throughput: 50, p50_ms: 330, p99_ms: 500 }),
    ]);
    expect(cost).toMatchObject({ p50_diff_pct: -9.1, within_tolerance: false });
  });

  it('leaves the verdict open when a row has no successful run to take a p50 from', () => {
    const [cost] = fairnessCost([
      row('mirror_fairness_on', 16, { throughput: 0, p50_ms: null, p99_ms: null }),
      row('mirror_fairness_off', 16, { throughput: 50, p50_ms: 330, p99_ms: 500 }),
    ]);
    expect(cost).toMatchObject({ throughput_ratio: 0, p50_diff_pct: null, within_tolerance: null });
  });

  it('has nothing to say on a run without the twin rows (the cluster, --profile)', () => {
    expect(fairnessCost(rows.filter((r) => r.path !== 'mirror_fairness_off'))).toEqual([]);
    expect(fairnessCost(rows.filter((r) => r.path !== 'mirror_fairness_on'))).toEqual([]);
  });

  it('says when both rows had both off (an A/A run)', () => {
    expect(formatFairnessCost(fairnessCost(rows), true)).toMatch(/^A\/A run \(--fairness-aa\)/);
    expect(formatFairnessCost(fairnessCost(rows))).toMatch(
      /^mirror_fairness_on \(fairness and the Seer limiter on\) vs mirror_fairness_off/,
    );
  });

  it('prints a line per concurrency with the verdict', () => {
    expect(formatFairnessCost(fairnessCost(rows)).split('\n').slice(1)).toEqual([
      '| c  | on/off runs/s | runs/s % | on-off p50 ms | p50 % | on-off p99 ms |  p99 % | within |',
      '|----|---------------|----------|---------------|-------|---------------|--------|--------|',
      '| 1  |        0.983x |    -1.7% |          +1.5 | +1.7% |         +20.0 | +20.0% |    yes |',
      '| 64 |        0.909x |    -9.1% |         +40.0 | +4.2% |        +100.0 |  +7.1% |     NO |',
    ]);
  });
});

describe('the order of a round', () => {
  const paths: PathName[] = [...PATHS];

  it('measures the twin rows right after mirror, first and second in turn', () => {
    expect(measurementOrder(paths, 0)).toEqual([
      'direct',
      'mirror',
      'mirror_fairness_on',
      'mirror_fairness_off',
      'engine_floor',
      'naive',
    ]);
    expect(measurementOrder(paths, 1)).toEqual([
      'mirror',
      'mirror_fairness_off',
      'mirror_fairness_on',
      'engine_floor',
      'naive',
      'direct',
    ]);
    for (let turn = 0; turn < 12; turn += 1) {
      const order = measurementOrder(paths, turn);
      expect([...order].sort()).toEqual([...paths].sort());
      const on = order.indexOf('mirror_fairness_on');
      const off = order.indexOf('mirror_fairness_off');
      expect(Math.abs(on - off)).toBe(1);
      expect(Math.min(on, off) - order.indexOf('mirror')).toBe(1);
    }
  });

  it('turns the four paths as before when there is no twin stack', () => {
    const four: PathName[] = ['direct', 'mirror', 'engine_floor', 'naive'];
    expect(measurementOrder(four, 2)).toEqual(['engine_floor', 'naive', 'direct', 'mirror']);
    expect(measurementOrder(four, 5)).toEqual(['mirror', 'engine_floor', 'naive', 'direct']);
  });
});

describe('which runs have the twin rows', () => {
  it('measures them on the dev server, not on the cluster nor under --profile', () => {
    expect(readPlan(['--quick'], {})).toMatchObject({ fairnessTwins: true, fairnessAa: false });
    expect(readPlan(['--backend', 'cluster'], {})).toMatchObject({ fairnessTwins: false });
    expect(readPlan(['--profile'], {})).toMatchObject({ fairnessTwins: false });
  });

  it('refuses an A/A run where there are no twin stacks', () => {
    expect(readPlan(['--fairness-aa'], {})).toMatchObject({
      fairnessTwins: true,
      fairnessAa: true,
    });
    expect(() => readPlan(['--fairness-aa', '--backend=cluster'], {})).toThrow(
      '--fairness-aa runs on the dev backend only, without --profile',
    );
  });
});
