// A closed-loop load generator: `concurrency` callers, each starting its next run as soon as its
// last one answered, until `runs` have answered. Latency per run, errors counted by kind.
/** A run's outcome; a durable run names its workflow, whose history the bench may read. */
export type RunOnce = (
  seq: number,
) => Promise<{ ok: true; workflowId?: string } | { ok: false; error: string }>;

export interface LoadResult {
  runs: number;
  seconds: number;
  /** Latencies of the runs that succeeded, in ms, sorted. */
  latenciesMs: number[];
  errors: number;
  /** error kind → count, e.g. `500 seer_run_pending` or `WorkflowFailedError`. */
  errorKinds: Record<string, number>;
  /** The workflow ids of the runs that succeeded and named one, in the order they answered. */
  workflowIds: string[];
}

/**
 * Calls `runOnce` with sequence numbers from `nextSeq`, which stays unique across calls.
 * `prepare` runs before each run's clock starts (e.g. a fault queued on the fake Seer).
 */
export async function closedLoop(
  concurrency: number,
  runs: number,
  runOnce: RunOnce,
  nextSeq: () => number,
  prepare?: (seq: number) => Promise<void>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const workflowIds: string[] = [];
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  let issued = 0;
  const caller = async () => {
    while (issued < runs) {
      issued += 1;
      const seq = nextSeq();
      await prepare?.(seq);
      const started = performance.now();
      let outcome: Awaited<ReturnType<RunOnce>>;
      try {
        outcome = await runOnce(seq);
      } catch (err) {
        outcome = { ok: false, error: (err as Error).name || 'Error' };
      }
      if (outcome.ok) {
        latenciesMs.push(performance.now() - started);
        if (outcome.workflowId !== undefined) workflowIds.push(outcome.workflowId);
      } else {
        errors += 1;
        errorKinds[outcome.error] = (errorKinds[outcome.error] ?? 0) + 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, runs) }, caller));
  return {
    runs,
    seconds: (performance.now() - started) / 1000,
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    errors,
    errorKinds,
    workflowIds,
  };
}

/** Nearest-rank percentile of sorted values; null when there are none. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
