// `npm run drills`: every drill against one real stack (separate processes), one table, and the
// JSON in drills/results/latest.json. `--backend cluster` runs the cluster's drills on
// `startCluster`; `--ci` runs the small sizes; `--only a,b` picks drills.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startDrillCluster, type DrillCluster } from './cluster';
import { CLUSTER_DRILLS, CLUSTER_OWN_STACK } from './cluster-drills';
import { CI, DRILLS, FULL, OWN_STACK, type Drill, type DrillSize } from './drills';
import type { DrillResult } from './ledger';
import {
  startDrillStack,
  type Backend,
  type DrillStack,
  type DrillStackOptions,
  type DrillTarget,
} from './stack';

export function formatTable(results: DrillResult[]): string {
  const header = [
    'backend',
    'drill',
    'requested',
    'LIVE',
    'FAILED',
    'lost',
    'duplicates',
    'seconds',
    'p99 ms',
  ];
  const rows = results.map((r) => [
    r.backend,
    r.name,
    String(r.requested),
    String(r.live),
    String(r.failed),
    String(r.lost),
    String(r.duplicates),
    String(r.seconds),
    r.p99_ms === undefined ? '' : String(r.p99_ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** A row written by a run of some drills only (`--only`) carries its own date. */
type ResultRow = DrillResult & { date?: string };

interface ResultsFile {
  machine: { cores: number; node: string };
  /** When each backend's rows were last all written. */
  dates: Partial<Record<Backend, string>>;
  drills: ResultRow[];
}

/**
 * The file after a full-size run on `backend`. A run of every drill replaces that backend's rows
 * and keeps the other backend's; a run of some drills (`only`) replaces just their rows, in place,
 * dated, and keeps every other row. Rows from before there were two backends have no `backend`
 * and were the dev server's.
 */
export function mergeResults(
  previous: unknown,
  backend: Backend,
  results: DrillResult[],
  at: { date: string; machine: ResultsFile['machine']; only?: boolean },
): ResultsFile {
  const old = (previous ?? {}) as Partial<ResultsFile> & { date?: string };
  const oldRows = (old.drills ?? []).map((row) => ({ ...row, backend: row.backend ?? 'dev' }));
  const dates = old.dates ?? (old.date ? { dev: old.date } : {});
  const byBackend = (rows: ResultRow[]) =>
    rows.sort((a, b) => BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend));
  if (at.only) {
    const fresh = new Map(results.map((row) => [row.name, { ...row, date: at.date }]));
    const kept = oldRows.map((row) =>
      row.backend === backend && fresh.has(row.name) ? fresh.get(row.name)! : row,
    );
    const added = [...fresh.values()].filter(
      (row) => !oldRows.some((o) => o.backend === backend && o.name === row.name),
    );
    return { machine: at.machine, dates, drills: byBackend([...kept, ...added]) };
  }
  return {
    machine: at.machine,
    dates: { ...dates, [backend]: at.date },
    drills: byBackend([...oldRows.filter((row) => row.backend !== backend), ...results]),
  };
}

const BACKENDS: readonly Backend[] = ['dev', 'cluster'];

/** The drills of a backend, and how to start the stack they break (and any of its own). */
interface BackendRun<S extends DrillTarget> {
  drills: Record<string, Drill<S>>;
  start(options?: DrillStackOptions): Promise<S>;
  ownStack: Partial<Record<string, (size: DrillSize) => DrillStackOptions>>;
}

const DEV: BackendRun<DrillStack> = { drills: DRILLS, start: startDrillStack, ownStack: OWN_STACK };
const CLUSTER: BackendRun<DrillCluster> = {
  drills: CLUSTER_DRILLS,
  start: startDrillCluster,
  ownStack: CLUSTER_OWN_STACK,
};

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
}

async function runDrills<S extends DrillTarget>(
  run: BackendRun<S>,
  size: DrillSize,
  only: string[] | undefined,
): Promise<DrillResult[]> {
  const chosen = Object.entries(run.drills).filter(([name]) => !only || only.includes(name));
  // The shared stack only when a chosen drill runs on it (`--only` of an own-stack drill needs none).
  const stack = chosen.some(([name]) => !run.ownStack[name]) ? await run.start() : undefined;
  if (stack) process.stdout.write(`${stack.backend} stack up (logs: ${stack.logFile})\n`);
  const results: DrillResult[] = [];
  const earlier = new Set<string>();
  try {
    for (const [name, drill] of chosen) {
      process.stdout.write(`running ${name}...\n`);
      const own = run.ownStack[name]?.(size);
      const ownStack = own ? await run.start(own) : undefined;
      if (ownStack) process.stdout.write(`  own stack up (logs: ${ownStack.logFile})\n`);
      try {
        const result = await drill((ownStack ?? stack)!, size, ownStack ? new Set() : earlier);
        results.push(result);
        process.stdout.write(`  ${JSON.stringify(result)}\n`);
      } finally {
        await ownStack?.close();
      }
    }
  } finally {
    await stack?.close();
  }
  return results;
}

async function main(): Promise<void> {
  const ci = process.argv.includes('--ci');
  const backend = argument('--backend') ?? 'dev';
  if (!BACKENDS.includes(backend as Backend)) {
    process.stderr.write(`--backend: expected dev or cluster, got ${backend}\n`);
    process.exit(2);
  }
  const run = backend === 'cluster' ? CLUSTER : DEV;
  const only = argument('--only')?.split(',');
  const unknown = only?.filter((name) => !(name in run.drills)) ?? [];
  if (unknown.length) {
    process.stderr.write(
      `unknown ${backend} drill(s): ${unknown.join(', ')}; known: ${Object.keys(run.drills).join(', ')}\n`,
    );
    process.exit(2);
  }
  const results =
    run === CLUSTER
      ? await runDrills(CLUSTER, ci ? CI : FULL, only)
      : await runDrills(DEV, ci ? CI : FULL, only);
  process.stdout.write(`\n${formatTable(results)}\n`);
  if (!ci) {
    const dir = join(__dirname, 'results');
    const file = join(dir, 'latest.json');
    mkdirSync(dir, { recursive: true });
    const previous: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
    const merged = mergeResults(previous, backend as Backend, results, {
      date: new Date().toISOString(),
      machine: { cores: cpus().length, node: process.version },
      only: only !== undefined,
    });
    writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
    const which = only ? only.join(', ') : 'every';
    process.stdout.write(`\nwritten: drills/results/latest.json (${backend}: ${which} rows)\n`);
  }
  const bad = results.filter((r) => r.lost > 0 || r.duplicates > 0);
  process.exit(bad.length ? 1 : 0);
}

if (require.main === module) void main();
