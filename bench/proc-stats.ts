// What a measurement window cost each process, read from Linux's /proc: CPU time (utime+stime)
// as a share of one core, and peak RSS (VmHWM), reset at the window's start so it is the window's.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const CLOCK_TICKS = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of the whole process (all threads), in clock ticks. */
function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
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

export interface WindowCost {
  seconds: number;
  /** pid → CPU time over the window as a percentage of one core (200 = two cores busy). */
  cpuPct: Map<number, number | null>;
  /** pid → peak RSS in MB during the window (since the process started if the reset failed). */
  peakRssMb: Map<number, number | null>;
  /** Every core of the machine, busy share 0–100: shows load from other programs too. */
  machineCpuPct: number;
  peakRssReset: boolean;
}

/** Starts a window over `pids`; the returned function ends it. */
export function openWindow(pids: number[]): () => WindowCost {
  const peakRssReset = pids.map(resetPeakRss).every(Boolean);
  const ticks = new Map(pids.map((pid) => [pid, cpuTicks(pid)]));
  const machine = machineTicks();
  const started = performance.now();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const machineEnd = machineTicks();
    const cpuPct = new Map<number, number | null>();
    for (const pid of pids) {
      const before = ticks.get(pid);
      const after = cpuTicks(pid);
      cpuPct.set(
        pid,
        before == null || after === null ? null : ((after - before) / CLOCK_TICKS / seconds) * 100,
      );
    }
    const total = machineEnd.total - machine.total;
    return {
      seconds,
      cpuPct,
      peakRssMb: new Map(pids.map((pid) => [pid, peakRssMb(pid)])),
      machineCpuPct: total > 0 ? ((machineEnd.busy - machine.busy) / total) * 100 : 0,
      peakRssReset,
    };
  };
}
