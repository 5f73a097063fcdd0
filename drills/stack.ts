// The stack the drills break: `startStack` with the drills' settings (free ports, the dev server
// on a SQLite file, the fake Seer's control API, every organization mirrored, logs to one file).
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackProcess } from '../src/stack/processes';
import { startStack } from '../src/stack/stack';
import { freePort } from '../src/temporal/dev-server';
import { FakeSeerControl } from './fake-seer-control';

export const DRILL_TOKEN = 'drill-token-0123456789';

/** The settings every drill stack shares, on either backend. */
export function drillEnv(options: DrillStackOptions): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    TEMPORAL_RETENTION: '7d',
    SEER_SHARED_SECRET: 'drill-secret',
    SEER_RUNS_API_TOKENS: JSON.stringify({ [DRILL_TOKEN]: '*' }),
    SEER_RUN_MIRROR_ORGS: '*',
    SYNC_WAIT_TIMEOUT_MS: String(options.syncWaitTimeoutMs ?? 5_000),
    SEER_REQUEST_TIMEOUT_MS: String(options.seerRequestTimeoutMs ?? 3_000),
    ...(options.healWindow ? { SEER_RUN_HEAL_WINDOW: options.healWindow } : {}),
    WORKER_SHUTDOWN_GRACE_MS: '5000',
    FAKE_SEER_CONTROL: '1',
    FAKE_SEER_LATENCY_MS: String(options.seerLatencyMs ?? 0),
    ...options.env,
  };
}

export interface DrillStackOptions {
  seerLatencyMs?: number;
  syncWaitTimeoutMs?: number;
  seerRequestTimeoutMs?: number;
  /** SEER_RUN_HEAL_WINDOW (default 24h); heal_window_race runs on a stack with a short one. */
  healWindow?: string;
  /** The settings of a feature a drill drives, e.g. SEER_MAX_REQUESTS_PER_SECOND (API and workers). */
  env?: Record<string, string>;
  /** Prebundled workflow code (tests pass the suite's bundle); bundled once at start when absent. */
  workflowBundlePath?: string;
  /** Node arguments of the API process (bench/noisy-probe.ts: `--cpu-prof`). */
  apiNodeArgs?: string[];
}

/** Where the drills run: the dev server (`npm start`'s stack) or the cluster (`npm run cluster`'s). */
export type Backend = 'dev' | 'cluster';

/** What every drill sees of a stack: its API replicas and the fake Seer's control API. */
export interface DrillTarget {
  backend: Backend;
  /** The API replicas a client may use: one on the dev server, api-1 and api-2 on the cluster. */
  apiUrls: readonly string[];
  logFile: string;
  seer: FakeSeerControl;
  close(): Promise<void>;
}

export interface DrillStack extends DrillTarget {
  backend: 'dev';
  apiUrl: string;
  /** The dev server's frontend, for an operator's tool (the re-drive). */
  temporalAddress: string;
  /** Restarts on the same port and SQLite file: the runs survive. */
  temporal: StackProcess;
  /** The standalone worker (`npm run worker`) and its SDK metrics (Prometheus text). */
  worker: StackProcess;
  workerMetricsUrl: string;
  /** The API process, with the worker it embeds (API_EMBEDDED_WORKER, on by default). */
  api: StackProcess;
}

export async function startDrillStack(options: DrillStackOptions = {}): Promise<DrillStack> {
  const dir = mkdtempSync(join(tmpdir(), 'seer-runs-drill-'));
  const logFile = join(dir, 'stack.log');
  const log = createWriteStream(logFile);
  const closeLog = () => new Promise<void>((resolve) => log.end(resolve));
  const [temporal, api, fakeSeer, workerMetrics] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The shared stack's drills follow one another, each with organizations of its own, and an
    // organization counts as active for 10 s after its last start: at the default budget (8) a
    // drill's runs would share it with the last drill's. noisy_neighbour, which measures fairness,
    // runs on a stack of its own at the default.
    SEER_RUNS_FAIR_IN_FLIGHT: '256',
    ...drillEnv(options),
    PORT: String(api),
    WORKER_METRICS_PORT: String(workerMetrics),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'seer-runs-drills',
    ...(options.workflowBundlePath ? { WORKFLOW_BUNDLE_PATH: options.workflowBundlePath } : {}),
  };
  const stack = await startStack({
    env,
    dataDir: dir,
    storage: 'file',
    ports: { temporal, ui: null, fakeSeer, codec: null },
    onLine: (name, line) => log.write(`[${name}] ${line}\n`),
    ...(options.apiNodeArgs ? { nodeArgs: { api: options.apiNodeArgs } } : {}),
  }).catch(async (err: unknown) => {
    await closeLog();
    throw err;
  });
  return {
    backend: 'dev',
    apiUrls: [stack.apiUrl],
    apiUrl: stack.apiUrl,
    temporalAddress: stack.temporalAddress,
    logFile,
    temporal: stack.processes.temporal!,
    worker: stack.processes.worker!,
    workerMetricsUrl: stack.workerMetricsUrl,
    api: stack.processes.api!,
    seer: new FakeSeerControl(stack.seerUrl),
    async close() {
      await stack.stop();
      await closeLog();
    },
  };
}
