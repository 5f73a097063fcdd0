// `npx tsx bench/noisy-probe.ts [--profile] [--burst 1000] [--quiet 8] [--burst-runs 4]`: noisy_neighbour's first
// second, small and repeatable. A drill stack as the drill starts it (fairness on, the default
// budget, Seer at 50 ms); organization B sends a run a second from a process of its own, alone
// first, then organization A's burst (all at once, from another process), and B's POST half a
// second into it is timed. `--profile`: the API runs under `node --cpu-prof`, summarised by
// category (bench/cpu-profile.ts) and by function over the burst's first seconds.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { driveRun, pool, post, type RunOutcome, type RunRequest } from '../drills/client';
import { startDrillStack } from '../drills/stack';
import { startTimedClient } from '../drills/timed-client';
import { summariseProfile, type CpuProfile } from './cpu-profile';
import { mainThreadCpuMs } from './proc-stats';

const ROOT = join(__dirname, '..');
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** A whole-number flag (`--burst 1000`); anything else stops the probe with one line. */
function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const text = process.argv[index + 1] ?? '';
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) {
    process.stderr.write(
      `${name}: expected a whole number of at least 1, got ${text || 'nothing'}\n`,
    );
    process.exit(2);
  }
  return value;
}

const run = (org: number, tag: string): RunRequest => ({
  org,
  key: `${tag}-${randomUUID()}`,
  body: { type: 'explorer', project_id: 1, request: { query: `${tag} run` } },
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!);
}

/** A's side, in a process of its own: on "go", every run at once, each driven to LIVE. */
async function burst(
  apiUrl: string,
  org: number,
  count: number,
  firstOnly: boolean,
): Promise<void> {
  const runs = Array.from({ length: count }, (_, i) => run(org, `probe-a-${i}`));
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'go') break;
  const started = Date.now();
  const ended: number[] = [];
  const outcomes: RunOutcome[] = await pool(runs, runs.length, async (r) => {
    const outcome = firstOnly
      ? await post(apiUrl, r).then((answer) => ({
          key: r.key,
          answers: [answer],
          final: answer,
          runIds: [],
        }))
      : await driveRun(apiUrl, r, Date.now() + 600_000);
    ended.push(Date.now() - started);
    return outcome;
  });
  const first = outcomes.map((o) => o.answers[0]!);
  const sentAway = first.filter((a) => a.status === 500).map((a) => a.ms);
  const summary = {
    runs: count,
    live: outcomes.filter((o) => o.final.status === 200 || o.final.status === 201).length,
    posts: outcomes.reduce((sum, o) => sum + o.answers.length, 0),
    first_500: sentAway.length,
    first_500_p50_ms: percentile(sentAway, 0.5),
    first_500_max_ms: percentile(sentAway, 1),
    drain_s: Math.round(Math.max(...ended) / 100) / 10,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  lines.close();
}

interface FunctionShare {
  fn: string;
  ms: number;
  pct: number;
}

/** Self time by function (name and file:line) over [fromUs, toUs). */
function topFunctions(profile: CpuProfile, fromUs: number, toUs: number, top = 30) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let at = profile.startTime;
  let busy = 0;
  profile.samples.forEach((leaf, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const next =
      i + 1 < profile.samples.length ? at + (profile.timeDeltas[i + 1] ?? 0) : profile.endTime;
    if (at < fromUs || at >= toUs) return;
    const frame = byId.get(leaf)!.callFrame;
    if (frame.functionName === '(idle)') return;
    const url = frame.url.replace(`file://${ROOT}/`, '').replace(/^.*node_modules\//, '~');
    const key = `${frame.functionName || '(anonymous)'} ${url}:${(frame.lineNumber ?? 0) + 1}`;
    const us = Math.max(0, next - at);
    self.set(key, (self.get(key) ?? 0) + us);
    busy += us;
  });
  const shares: FunctionShare[] = [...self]
    .sort(([, a], [, b]) => b - a)
    .slice(0, top)
    .map(([fn, us]) => ({
      fn,
      ms: Math.round(us / 100) / 10,
      pct: Math.round((us / busy) * 1000) / 10,
    }));
  return { busy_ms: Math.round(busy / 1000), shares };
}

async function main(): Promise<void> {
  const profiling = process.argv.includes('--profile');
  const burstSize = argument('--burst', 1000);
  const quietRuns = argument('--quiet', 8);
  const burstRuns = argument('--burst-runs', 4);
  const dir = mkdtempSync(join(tmpdir(), 'seer-runs-noisy-probe-'));
  const profileDir = join(dir, 'api-profile');
  mkdirSync(profileDir);
  // noisy_neighbour's own stack: the drill stack at the default in-flight budget (8).
  const stack = await startDrillStack({
    env: { SEER_RUNS_FAIRNESS: 'on', SEER_RUNS_FAIR_IN_FLIGHT: '8' },
    ...(profiling ? { apiNodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
  });
  process.stderr.write(`stack up (logs: ${stack.logFile})\n`);
  const apiPid = stack.api.pid!;
  const { seer } = stack;
  await seer.configure({ latency_ms: 50 });
  const [orgA, orgB] = [1001, 1002];

  const a = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      __filename,
      '--a',
      stack.apiUrl,
      String(orgA),
      String(burstSize),
      process.argv.includes('--first-only') ? 'first' : 'drive',
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const aSummary = new Promise<unknown>((resolve) => {
    createInterface({ input: a.stdout }).once('line', (line) => resolve(JSON.parse(line)));
  });
  const b = startTimedClient();
  const sendB = (tag: string) =>
    b.send([stack.apiUrl], run(orgB, tag), Date.now() + 120_000).then((t) => Math.round(t.ms));

  // B: two untimed warm-up runs, then `quietRuns` alone, one a second, as the drill's clock.
  const quiet: Promise<number>[] = [];
  for (let i = 0; i < 2 + quietRuns; i++) {
    if (i > 0) await sleep(1_000);
    const timed = sendB(`probe-b-quiet-${i}`);
    if (i >= 2) quiet.push(timed);
  }
  await sleep(500);
  const cpu = (at: string) => ({ at, ms: mainThreadCpuMs(apiPid) });
  const cpuMarks = [cpu('burst')];
  const burstUs = monotonicUs();
  a.stdin.write('go\n');
  for (const [at, ms] of [
    ['+0.5 s', 500],
    ['+1 s', 1_000],
    ['+2 s', 2_000],
  ] as const) {
    setTimeout(() => cpuMarks.push(cpu(at)), ms);
  }
  // B's clock goes on: its next run half a second into the burst, then one a second.
  const during: Promise<number>[] = [];
  let firstAt = 0;
  for (let i = 0; i < burstRuns; i++) {
    await sleep(burstUs / 1000 + 500 + i * 1_000 - monotonicUs() / 1000);
    const timed = sendB(`probe-b-burst-${i}`);
    if (i === 0) void timed.then(() => (firstAt = monotonicUs()));
    during.push(timed);
  }
  const burstMs = await Promise.all(during);
  cpuMarks.push(cpu('B done'));
  const quietMs = await Promise.all(quiet);
  const aFigures = await aSummary;
  const endUs = monotonicUs();
  cpuMarks.push(cpu('A drained'));
  a.stdin.end();
  await b.close();
  await stack.close();

  const base = cpuMarks[0]!.ms ?? 0;
  const result: Record<string, unknown> = {
    b_quiet_ms: quietMs,
    b_quiet_p50_p99: [percentile(quietMs, 0.5), percentile(quietMs, 0.99)],
    b_burst_ms: burstMs,
    b_first_burst_ms: burstMs[0],
    burst_window_us: [burstUs, firstAt, endUs],
    a: aFigures,
    api_main_thread_cpu_ms_since_burst: Object.fromEntries(
      cpuMarks.map((m) => [m.at, m.ms === null ? null : Math.round(m.ms - base)]),
    ),
  };
  if (profiling) {
    const file = readdirSync(profileDir).find((name) =>
      new RegExp(`^CPU\\.\\d+\\.\\d+\\.${apiPid}\\.0\\.\\d+\\.cpuprofile$`).test(name),
    );
    if (file) {
      const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
      const window = (fromUs: number, toUs: number) => ({
        categories: summariseProfile(profile, { root: ROOT, runs: burstSize, fromUs, toUs })
          .categories.slice(0, 14)
          .map((c) => `${c.category} ${c.pct}% (incl. ${c.inclusive_pct}%)`),
        functions: topFunctions(profile, fromUs, toUs),
      });
      result.profile = {
        file: join(profileDir, file),
        first_1_5_s: window(burstUs, burstUs + 1_500_000),
        to_b_first_answer: window(burstUs, firstAt),
        whole_burst: window(burstUs, endUs),
      };
    } else {
      result.profile = `no profile in ${profileDir}`;
    }
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

if (process.argv[2] === '--a') {
  void burst(
    process.argv[3]!,
    Number(process.argv[4]),
    Number(process.argv[5]),
    process.argv[6] === 'first',
  );
} else {
  void main();
}
