// What a measurement window cost each group of processes, read from Linux's /proc: CPU time
// (utime+stime) as a share of one core, and peak RSS (VmHWM), reset at the window's start.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const CLOCK_TICKS = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Stat {
  ppid: number;
  /** utime + stime of the whole process (all threads), in clock ticks. */
  own: number;
  /** cutime + cstime: the ticks of its children that ended and were reaped. */
  reaped: number;
}

/** The fields of a `stat` file after the command name (field 3 on); null once it is gone. */
function statFields(path: string): string[] | null {
  try {
    const text = readFileSync(path, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function stat(pid: number): Stat | null {
  const fields = statFields(`/proc/${pid}/stat`);
  if (!fields) return null;
  return {
    ppid: Number(fields[1]),
    own: Number(fields[11]) + Number(fields[12]),
    reaped: Number(fields[13]) + Number(fields[14]),
  };
}

/**
 * The CPU time of one process's main thread (Node's JavaScript thread: its tid is the pid), in
 * ms; null once the process is gone.
 */
export function mainThreadCpuMs(pid: number): number | null {
  const fields = statFields(`/proc/${pid}/task/${pid}/stat`);
  return fields ? ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000 : null;
}

/** Every live process's parent (this kernel has no /proc/<pid>/task/<tid>/children). */
function parents(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  return children;
}

/**
 * A process and everything under it, in clock ticks: the live ones' own time plus what the
 * ended ones left in their parent's cutime/cstime. A PostgreSQL backend that ends inside the
 * window still counts, and one that starts inside it counts from zero.
 */
function treeTicks(pid: number, children: Map<number, number[]>): number | null {
  const root = stat(pid);
  if (!root) return null;
  let ticks = root.own + root.reaped;
  for (const child of children.get(pid) ?? []) ticks += treeTicks(child, children) ?? 0;
  return ticks;
}

function peakRssMb(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Linux resets VmHWM to the current RSS when "5" is written to clear_refs (kernel ≥ 4.0). */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Busy and total jiffies of the whole machine, every core (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Processes measured as one: the four Temporal services, both API replicas, PostgreSQL. */
export interface ProcessGroup {
  pids: number[];
  /** Count every process under each pid too (PostgreSQL's postmaster and its backends). */
  withDescendants?: boolean;
}

export interface WindowCost<G extends string> {
  seconds: number;
  /** group → CPU time over the window in % of one core (200 = two cores busy), summed over it. */
  cpuPct: Record<G, number | null>;
  /** group → CPU time over the window in ms (utime + stime, every thread), summed over it. */
  cpuMs: Record<G, number | null>;
  /** group → the sum of its processes' peak RSS in MB during the window (since each started if the reset failed). */
  peakRssMb: Record<G, number | null>;
  /** Every core of the machine, busy share 0–100: shows load from other programs too. */
  machineCpuPct: number;
  peakRssReset: boolean;
}

function groupTicks(group: ProcessGroup): number | null {
  const children = group.withDescendants ? parents() : new Map<number, number[]>();
  let sum = 0;
  for (const pid of group.pids) {
    const ticks = group.withDescendants ? treeTicks(pid, children) : (stat(pid)?.own ?? null);
    if (ticks === null) return null;
    sum += ticks;
  }
  return sum;
}

function sumOrNull(values: Array<number | null>): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((a, b) => a + b!, 0);
}

/** Starts a window over the groups; the returned function ends it. */
export function openWindow<G extends string>(groups: Record<G, ProcessGroup>): () => WindowCost<G> {
  const names = Object.keys(groups) as G[];
  const peakRssReset = names.flatMap((g) => groups[g].pids.map(resetPeakRss)).every(Boolean);
  const ticks = new Map(names.map((g) => [g, groupTicks(groups[g])]));
  const machine = machineTicks();
  const started = performance.now();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const machineEnd = machineTicks();
    const cpuPct = {} as Record<G, number | null>;
    const cpuMs = {} as Record<G, number | null>;
    const peak = {} as Record<G, number | null>;
    for (const g of names) {
      const before = ticks.get(g);
      const after = groupTicks(groups[g]);
      cpuMs[g] = before == null || after === null ? null : ((after - before) / CLOCK_TICKS) * 1000;
      cpuPct[g] = cpuMs[g] === null ? null : (cpuMs[g] / 1000 / seconds) * 100;
      peak[g] = sumOrNull(groups[g].pids.map(peakRssMb));
    }
    const total = machineEnd.total - machine.total;
    return {
      seconds,
      cpuPct,
      cpuMs,
      peakRssMb: peak,
      machineCpuPct: total > 0 ? ((machineEnd.busy - machine.busy) / total) * 100 : 0,
      peakRssReset,
    };
  };
}
