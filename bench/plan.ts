// What one bench run measures: the concurrencies, how many runs each, the rounds, the warm-up and
// the overload level, full or `--quick`, and the fake Seer's latency (FAKE_SEER_LATENCY_MS).
import { z } from 'zod';
import { intIn, orExit, parseEnv } from '../src/config';

export const CONCURRENCIES = [1, 16, 64] as const;
export type Concurrency = (typeof CONCURRENCIES)[number];
export const OVERLOAD_CONCURRENCY = 256;
export const WARMUP_CONCURRENCY = 8;

interface Sizes {
  rounds: number;
  warmupRuns: number;
  runs: Record<Concurrency, number>;
  overloadRuns: number;
  /** Between measurements: the server finishes the last runs' follow-up tasks before the next. */
  settleMs: number;
}

const FULL: Sizes = {
  rounds: 3,
  warmupRuns: 50,
  runs: { 1: 60, 16: 300, 64: 600 },
  overloadRuns: 1024,
  settleMs: 1_000,
};
const QUICK: Sizes = {
  rounds: 1,
  warmupRuns: 5,
  runs: { 1: 8, 16: 32, 64: 64 },
  overloadRuns: 256,
  settleMs: 200,
};

export interface Plan extends Sizes {
  quick: boolean;
  seerLatencyMs: number;
}

const BenchEnv = z.object({ FAKE_SEER_LATENCY_MS: intIn(0, 600_000).default(50) });

/** The plan from the command line and the environment; a bad variable stops the bench. */
export function readPlan(argv: readonly string[], env: NodeJS.ProcessEnv): Plan {
  const quick = argv.includes('--quick');
  const { FAKE_SEER_LATENCY_MS: seerLatencyMs } = orExit(() => parseEnv(BenchEnv, env));
  return { ...(quick ? QUICK : FULL), quick, seerLatencyMs };
}
