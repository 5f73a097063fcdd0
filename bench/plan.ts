// What one bench run measures: the server (`--backend dev|cluster`), the concurrencies, how many
// runs each, the rounds, the warm-up and overload, full or `--quick`, and the fake Seer's latency.
import { z } from 'zod';
import { intIn, orExit, parseEnv } from '../src/config';

export const CONCURRENCIES = [1, 16, 64] as const;
export type Concurrency = (typeof CONCURRENCIES)[number];
export const OVERLOAD_CONCURRENCY = 256;
export const WARMUP_CONCURRENCY = 8;
/** dev: `temporal server start-dev` as `npm start` runs it; cluster: `startCluster` (PostgreSQL, mTLS). */
export const BACKENDS = ['dev', 'cluster'] as const;
export type BackendName = (typeof BACKENDS)[number];

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
  backend: BackendName;
  quick: boolean;
  seerLatencyMs: number;
}

const BenchEnv = z.object({ FAKE_SEER_LATENCY_MS: intIn(0, 600_000).default(50) });

/** `--backend cluster` or `--backend=cluster`; dev when absent. */
function readBackend(argv: readonly string[]): BackendName {
  const at = argv.findIndex((arg) => arg === '--backend' || arg.startsWith('--backend='));
  if (at === -1) return 'dev';
  const value = argv[at]!.includes('=') ? argv[at]!.slice('--backend='.length) : argv[at + 1];
  const backend = BACKENDS.find((name) => name === value);
  if (!backend) {
    throw new Error(`--backend: expected ${BACKENDS.join(' or ')}, got ${value ?? 'nothing'}`);
  }
  return backend;
}

/** The plan from the command line and the environment; a bad flag or variable stops the bench. */
export function readPlan(argv: readonly string[], env: NodeJS.ProcessEnv): Plan {
  const quick = argv.includes('--quick');
  const backend = readBackend(argv);
  const { FAKE_SEER_LATENCY_MS: seerLatencyMs } = orExit(() => parseEnv(BenchEnv, env));
  return { ...(quick ? QUICK : FULL), backend, quick, seerLatencyMs };
}
