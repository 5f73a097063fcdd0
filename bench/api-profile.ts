// `npm run bench -- --profile`: the API under `node --cpu-prof`, the mirror path at c=64 for the
// full run count, then the stack stopped (the API writes its profile as it exits) and the profile
// summarised by category over the measurement's window (bench/cpu-profile.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { summariseProfile, type CpuProfile, type ProfileSummary } from './cpu-profile';
import { closedLoop } from './load';
import { describe, measure } from './measure';
import { WARMUP_CONCURRENCY, type Plan } from './plan';
import { mainThreadCpuMs } from './proc-stats';
import { progress } from './progress';
import { aggregate, markdownTable, type ResultRow } from './report';
import type { Rig } from './rig';

const ROOT = join(__dirname, '..');
export const PROFILE_CONCURRENCY = 64;

export interface ApiProfile {
  /** The measurement under the profiler (slower than without it: compare shares, not speed). */
  measurement: ResultRow;
  /** The API's CPU ms per run over the load, from /proc: every thread of the process. */
  api_process_ms_per_run: number | null;
  /** Its main thread's, the one the profile samples (the rest: libuv, V8's helpers, a Rust core). */
  api_main_thread_ms_per_run: number | null;
  profile: ProfileSummary & {
    /** The raw .cpuprofile (Chrome DevTools, speedscope), in the bench's temp directory. */
    file: string;
    /** `measurement`: the samples between the first send and the last answer; else the whole profile. */
    window: 'measurement' | 'whole profile';
  };
}

/** Microseconds on the monotonic clock V8's profiler stamps its samples with. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`: the main thread's (0) of `pid`. */
function profileOf(dir: string, pid: number): string {
  const file = readdirSync(dir).find((name) =>
    new RegExp(`^CPU\\.\\d+\\.\\d+\\.${pid}\\.0\\.\\d+\\.cpuprofile$`).test(name),
  );
  if (!file) {
    throw new Error(
      `the API (pid ${pid}) wrote no profile in ${dir}: it must exit on its own after SIGTERM, not be killed`,
    );
  }
  return join(dir, file);
}

export async function profileApi(rig: Rig, plan: Plan): Promise<ApiProfile> {
  if (!rig.profileDir) throw new Error('the rig was started without --profile');
  const apiPid = rig.gauges.processes.api.pids[0]!;
  progress(`warming up (${plan.warmupRuns} mirror runs)`);
  await closedLoop(WARMUP_CONCURRENCY, plan.warmupRuns, rig.runners.mirror, rig.nextSeq);
  await sleep(plan.settleMs);
  let window = { fromUs: 0, toUs: 0 };
  let mainThreadMs: number | null = null;
  const figure = await measure(rig.gauges, 'mirror', PROFILE_CONCURRENCY, async () => {
    const fromUs = monotonicUs();
    const threadBefore = mainThreadCpuMs(apiPid);
    const load = await closedLoop(
      PROFILE_CONCURRENCY,
      plan.runs[PROFILE_CONCURRENCY],
      rig.runners.mirror,
      rig.nextSeq,
    );
    const threadAfter = mainThreadCpuMs(apiPid);
    window = { fromUs, toUs: monotonicUs() };
    if (threadBefore !== null && threadAfter !== null) mainThreadMs = threadAfter - threadBefore;
    return load;
  });
  progress(`profiled c=${PROFILE_CONCURRENCY} mirror: ${describe(figure)}`);
  progress('stopping the stack: the API writes its profile as it exits');
  await rig.close();

  const file = profileOf(rig.profileDir, apiPid);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const runs = figure.succeeded;
  // The samples give shares of wall time; the main thread's CPU time (from /proc) is what they split.
  const threadCpu = mainThreadMs === null ? {} : { threadCpuMs: mainThreadMs };
  let summary = summariseProfile(profile, { root: ROOT, runs, ...window, ...threadCpu });
  let windowKind: ApiProfile['profile']['window'] = 'measurement';
  if (summary.samples === 0) {
    // The profiler's clock did not match ours: the whole profile (start-up, warm-up, drain too).
    summary = summariseProfile(profile, { root: ROOT, runs });
    windowKind = 'whole profile';
  }
  const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
  return {
    measurement: aggregate([figure])[0]!,
    api_process_ms_per_run: round2(figure.api_ms_per_run),
    api_main_thread_ms_per_run:
      mainThreadMs === null || runs === 0 ? null : round2(mainThreadMs / runs),
    profile: { file, window: windowKind, ...summary },
  };
}

/** The categories as a table: share of the API's JavaScript thread, ms per run, inclusive share. */
export function formatProfile(result: ApiProfile): string {
  const { profile } = result;
  const rows = profile.categories.map((c) => [
    c.category,
    c.pct.toFixed(1),
    c.ms_per_run?.toFixed(2) ?? '-',
    c.inclusive_pct.toFixed(1),
    c.inclusive_ms_per_run?.toFixed(2) ?? '-',
  ]);
  return [
    `API CPU profile, mirror at c=${PROFILE_CONCURRENCY}, ${profile.runs} runs (${profile.window}): ` +
      `${result.api_process_ms_per_run ?? '-'} CPU ms/run for the whole process, ` +
      `${result.api_main_thread_ms_per_run ?? '-'} on its JavaScript thread (profiled; ms/run below ` +
      `are shares of ${profile.basis})`,
    markdownTable(['category', 'CPU %', 'ms/run', 'incl. %', 'incl. ms/run'], rows, 1),
    `raw profile: ${profile.file}`,
  ].join('\n');
}
