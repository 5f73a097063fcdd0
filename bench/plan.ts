// What one bench run measures: the server (`--backend dev|cluster`), the concurrencies, how many
// runs each, the rounds, the warm-up, the retried runs and overload, full or `--quick`, the fake
// Seer's latency, or (`--profile`) a CPU profile of the API instead of the rounds; fairness and
// the Seer limiter on the main stack and mirror_fairness_on's twin, off on mirror_fairness_off's.
import { z } from 'zod';
import { intIn, orExit, parseEnv } from '../src/config';
import { isTwinPath, type PathName } from './path-names';

export const CONCURRENCIES = [1, 16, 64] as const;
export type Concurrency = (typeof CONCURRENCIES)[number];
export const OVERLOAD_CONCURRENCY = 256;
export const WARMUP_CONCURRENCY = 8;
/** dev: `temporal server start-dev` as `npm start` runs it; cluster: `startCluster` (PostgreSQL, mTLS). */
export const BACKENDS = ['dev', 'cluster'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * SEER_MAX_REQUESTS_PER_SECOND where the limiter is on: well above what the bench asks of Seer through
 * workers (a request a mirror run, some 60/s at c=64 and at the overload level), even split
 * between the API's worker and the standalone one (500/s each), so the limiter is on but never
 * binds: the mirror rows measure its bookkeeping, not its waits.
 */
export const LIMITER_CAP_PER_SECOND = 1_000;
/** The variables the stacks differ by; none gets weights or an in-flight budget (defaults). */
export const FAIRNESS_ENV = {
  on: { SEER_RUNS_FAIRNESS: 'on', SEER_MAX_REQUESTS_PER_SECOND: String(LIMITER_CAP_PER_SECOND) },
  off: { SEER_RUNS_FAIRNESS: 'off' },
} as const;
/** Left out of both stacks' environment, whatever the bench's shell has: each stack gets FAIRNESS_ENV only. */
export const FAIRNESS_VARIABLES = [
  'SEER_RUNS_FAIRNESS',
  'SEER_MAX_REQUESTS_PER_SECOND',
  'SEER_RUNS_ORG_WEIGHTS',
  'SEER_RUNS_FAIR_IN_FLIGHT',
] as const;

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
  /**
   * mirror_fairness_on and mirror_fairness_off: two twin dev stacks, fairness and the limiter on in
   * one and off in the other, each carrying only its own mirror rows, measured side by side in
   * every round. The dev backend only (more clusters would not fit two cores), not `--profile`.
   */
  fairnessTwins: boolean;
  /**
   * `--fairness-aa`: mirror_fairness_on's twin with fairness and the limiter off too, so the two
   * twin rows differ by nothing but their stack: what the rig itself puts between them, against
   * which the 5% is read.
   */
  fairnessAa: boolean;
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
  const fairnessTwins = backend === 'dev' && !profile;
  const fairnessAa = argv.includes('--fairness-aa');
  if (fairnessAa && !fairnessTwins)
    throw new Error('--fairness-aa runs on the dev backend only, without --profile');
  return {
    ...(quick ? QUICK : FULL),
    backend,
    quick,
    profile,
    tracing,
    fairnessTwins,
    fairnessAa,
    seerLatencyMs,
  };
}

/**
 * The order of one round's measurements at one concurrency (`turn` = round + the concurrency's
 * index): the paths turn with each measurement, so drift hits them all alike, and the two twin
 * rows always sit right after mirror, taking turns at going first, so the two rows that are
 * compared within 5% see the same moment of the machine.
 */
export function measurementOrder(paths: readonly PathName[], turn: number): PathName[] {
  const slots = paths.filter((path) => !isTwinPath(path));
  const n = turn % slots.length;
  const rotated = [...slots.slice(n), ...slots.slice(0, n)];
  if (!paths.some(isTwinPath)) return rotated;
  const pair: PathName[] =
    turn % 2 === 0
      ? ['mirror_fairness_on', 'mirror_fairness_off']
      : ['mirror_fairness_off', 'mirror_fairness_on'];
  return rotated.flatMap((path) => (path === 'mirror' ? [path, ...pair] : [path]));
}
