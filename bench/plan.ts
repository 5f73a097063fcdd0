// What one bench run measures: the server (`--backend dev|cluster`), the concurrencies, how many
// runs each, the rounds, the warm-up, the retried runs and overload, full or `--quick`, the fake
// Seer's latency, or (`--profile`) a CPU profile of the API instead of the rounds.
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
  /** Mirror runs at c=1 whose first Seer request is answered 503 (mirror_retried_once). */
  retriedRuns: number;
  /** Between measurements: the server finishes the last runs' follow-up tasks before the next. */
  settleMs: number;
}

const FULL: Sizes = {
  rounds: 3,
  warmupRuns: 50,
  runs: { 1: 60, 16: 300, 64: 600 },
  overloadRuns: 1024,
  retriedRuns: 20,
  settleMs: 1_000,
};
const QUICK: Sizes = {
  rounds: 1,
  warmupRuns: 5,
  runs: { 1: 8, 16: 32, 64: 64 },
  overloadRuns: 256,
  retriedRuns: 3,
  settleMs: 200,
};

export interface Plan extends Sizes {
  backend: BackendName;
  quick: boolean;
  /** `--profile`: the API under `--cpu-prof`, the mirror path at c=64 only (bench/api-profile.ts). */
  profile: boolean;
  /** `--tracing`: the stack exports every span to a Jaeger it starts (the overhead of tracing). */
  tracing: boolean;
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
  const profile = argv.includes('--profile');
  const backend = readBackend(argv);
  // The cluster's API replicas start from its own launcher, which takes no node arguments.
  if (profile && backend !== 'dev') throw new Error('--profile runs on the dev backend only');
  const tracing = argv.includes('--tracing');
  if (tracing && backend !== 'dev') throw new Error('--tracing runs on the dev backend only');
  const { FAKE_SEER_LATENCY_MS: seerLatencyMs } = orExit(() => parseEnv(BenchEnv, env));
  return { ...(quick ? QUICK : FULL), backend, quick, profile, tracing, seerLatencyMs };
}
