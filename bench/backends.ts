// The two servers a bench runs on, as one shape: the dev stack (`startStack`, as `npm start` runs
// it) and the production-shaped cluster (`startCluster`: PostgreSQL, four services, mTLS, 2+2);
// and the twin dev stacks of mirror_fairness_on and mirror_fairness_off (the latter without fairness).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { parse } from 'yaml';
import { startCluster } from '../src/cluster/cluster';
import { loadConfig, type Config } from '../src/config';
import { startStack } from '../src/stack/stack';
import { temporalConnectConfig } from '../src/temporal/connection';
import {
  FAIRNESS_FLAGS,
  freePort,
  LATENCY_FLAGS,
  startDevServer,
  type DevServer,
} from '../src/temporal/dev-server';
import type { MeasuredProcesses } from './measure';
import type { BackendName } from './plan';

const ROOT = join(__dirname, '..');
/** The cluster's dynamic config: every server setting the dev server gets must be in it too. */
const CLUSTER_DYNAMIC_CONFIG = 'deploy/temporal-dynamic-config.yaml';

export interface BenchBackend {
  name: BackendName;
  config: Config;
  /** Every API replica; the load takes them in turn. */
  apiUrls: string[];
  /** How the bench's own clients and workers reach Temporal, read as the API and worker read it. */
  temporal: { connectionOptions: NativeConnectionOptions; namespace: string };
  seerUrl: string;
  /** Every Temporal service's Prometheus endpoint: the dev server's one, the cluster's four. */
  metricsUrls: string[];
  processes: MeasuredProcesses;
  /** The JSON's `server` object, but for the version the server answers. */
  server: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface BackendOptions {
  /** What the seer-runs processes start from. */
  env: NodeJS.ProcessEnv;
  /** For the dev stack's data; the cluster keeps its own directory and removes it at stop. */
  dir: string;
  onLine: (name: string, line: string) => void;
  /** Extra `node` arguments for the API (`--cpu-prof`); the dev stack only. */
  apiNodeArgs?: string[];
  /** The dev stack with its Jaeger, every span exported (`--tracing`). */
  tracing?: boolean;
  /**
   * false: the dev stack on a dev server without FAIRNESS_FLAGS (mirror_fairness_off).
   * Default true, the server `npm start` runs. The dev backend only.
   */
  fairness?: boolean;
}

/** The `--dynamic-config-value` settings a server process was started with, from its command line. */
export function dynamicConfigOf(pid: number): string[] {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return args.flatMap((arg, i) => (args[i - 1] === '--dynamic-config-value' ? [arg] : []));
}

/**
 * startStack starts its dev server with fairness, as `npm start` does: the twin stack's server
 * is started here through the same startDevServer, with the stack's namespace, retention and
 * storage, and handed to startStack as an existing server.
 */
async function devServerWithoutFairness(options: BackendOptions): Promise<DevServer> {
  const config = loadConfig(options.env);
  const cliPath = execFileSync('bash', [join(ROOT, 'scripts/temporal-cli.sh')], {
    encoding: 'utf8',
    env: options.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return startDevServer({
    cliPath,
    namespace: config.temporal.namespace,
    retentionMs: config.temporal.retentionMs,
    onLine: (line) => options.onLine('temporal', line),
    fairness: false,
  });
}

function pidOf(handle: { pid?: number | undefined } | undefined, name: string): number {
  if (handle?.pid === undefined) throw new Error(`the stack has no ${name} process`);
  return handle.pid;
}

async function devBackend(options: BackendOptions): Promise<BenchBackend> {
  const [temporal, fakeSeer, api, workerMetrics] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const ownServer = options.fairness === false ? await devServerWithoutFairness(options) : null;
  const stack = await startStack({
    env: { ...options.env, PORT: String(api), WORKER_METRICS_PORT: String(workerMetrics) },
    dataDir: options.dir,
    storage: 'memory',
    ports: { temporal, ui: null, fakeSeer, codec: null },
    ...(ownServer ? { temporalAddress: ownServer.address } : {}),
    onLine: options.onLine,
    // The image's build, run by plain node as the image runs it (the cluster's is compiled too).
    build: 'compiled',
    ...(options.apiNodeArgs ? { nodeArgs: { api: options.apiNodeArgs } } : {}),
    ...(options.tracing ? { tracing: { uiPort: 0 } } : {}),
  }).catch(async (err: unknown) => {
    await ownServer?.stop();
    throw err;
  });
  const stop = async () => {
    await stack.stop();
    await ownServer?.stop();
  };
  const metricsUrl = ownServer?.metricsUrl ?? stack.temporalMetricsUrl;
  if (metricsUrl === null) {
    await stop();
    throw new Error('the dev stack reported no metrics URL for its Temporal server');
  }
  const pid = (name: 'api' | 'worker' | 'fake-seer') => pidOf(stack.processes[name], name);
  const temporalPid = ownServer
    ? pidOf(ownServer.process, 'temporal')
    : pidOf(stack.processes.temporal, 'temporal');
  return {
    name: 'dev',
    config: stack.config,
    apiUrls: [stack.apiUrl],
    temporal: temporalConnectConfig(stack.config, {
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
    }),
    seerUrl: stack.seerUrl,
    metricsUrls: [metricsUrl],
    processes: {
      temporal: { pids: [temporalPid] },
      api: { pids: [pid('api')] },
      worker: { pids: [pid('worker')] },
      seer: { pids: [pid('fake-seer')] },
      bench: { pids: [process.pid] },
    },
    server: {
      cli: ownServer?.version ?? stack.temporalCliVersion,
      flags: ownServer ? LATENCY_FLAGS : [...LATENCY_FLAGS, ...FAIRNESS_FLAGS],
      dynamic_config: dynamicConfigOf(temporalPid),
      storage: 'SQLite in memory',
      payload_encryption: true,
      build: 'compiled (dist/, plain node)',
      tracing: stack.jaegerUrl === null ? 'off' : 'on (OTLP/HTTP to Jaeger, every span)',
    },
    stop,
  };
}

/**
 * The dev server's flags (LATENCY_FLAGS, FAIRNESS_FLAGS) must hold on the cluster too, or the two
 * tables compare different servers: the cluster reads them from its dynamic config file, checked here.
 */
function checkClusterFlags(): string[] {
  const flags = [...LATENCY_FLAGS, ...FAIRNESS_FLAGS];
  const dynamic = parse(readFileSync(join(ROOT, CLUSTER_DYNAMIC_CONFIG), 'utf8')) as Record<
    string,
    Array<{ value: unknown; constraints?: unknown }> | undefined
  >;
  for (const flag of flags) {
    const [key, value] = flag.split('=') as [string, string];
    const set = dynamic[key]?.some((v) => v.constraints === undefined && String(v.value) === value);
    if (!set) {
      throw new Error(
        `${CLUSTER_DYNAMIC_CONFIG} lacks ${key}: ${value}, which the dev server gets: add it, or the dev and cluster figures compare different servers`,
      );
    }
  }
  return flags;
}

async function clusterBackend(options: BackendOptions): Promise<BenchBackend> {
  const flags = checkClusterFlags();
  // Its own directory (PostgreSQL's data is some 40 MB), opened to the postgres user by startCluster.
  const dataDir = mkdtempSync(join(tmpdir(), 'seer-runs-bench-cluster-'));
  const cluster = await startCluster({ dataDir, env: options.env, onLine: options.onLine }).catch(
    (err: unknown) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    },
  );
  const { processes } = cluster;
  const pids = (...names: Array<keyof typeof processes>) =>
    names.map((name) => pidOf(processes[name], name));
  const pgVersionFile = join(dataDir, 'postgres/data/PG_VERSION');
  const postgresVersion = existsSync(pgVersionFile)
    ? readFileSync(pgVersionFile, 'utf8').trim()
    : null;
  return {
    name: 'cluster',
    config: cluster.config,
    apiUrls: cluster.apiUrls,
    temporal: temporalConnectConfig(cluster.config, cluster.tlsEnv),
    seerUrl: cluster.seerUrl,
    metricsUrls: cluster.temporalMetricsUrls,
    processes: {
      temporal: { pids: pids('history', 'matching', 'frontend', 'temporal-worker') },
      // The postmaster's backends come and go with Temporal's connection pools: count them all.
      ...(processes.postgres
        ? { postgres: { pids: pids('postgres'), withDescendants: true } }
        : {}),
      api: { pids: pids('api-1', 'api-2') },
      worker: { pids: pids('worker-1', 'worker-2') },
      seer: { pids: pids('fake-seer') },
      bench: { pids: [process.pid] },
    },
    server: {
      services: ['frontend', 'history', 'matching', 'worker'],
      flags,
      dynamic_config: CLUSTER_DYNAMIC_CONFIG,
      storage: cluster.database.external
        ? `PostgreSQL at ${cluster.database.host}:${cluster.database.port} (external)`
        : `PostgreSQL ${postgresVersion ?? ''} (Debian, local)`.replace('  ', ' '),
      tls: 'mTLS on the frontend',
      api_replicas: cluster.apiUrls.length,
      workers: 2,
      payload_encryption: true,
      build: 'compiled (dist/, plain node)',
    },
    stop: async () => {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function startBackend(name: BackendName, options: BackendOptions): Promise<BenchBackend> {
  switch (name) {
    case 'dev':
      return devBackend(options);
    case 'cluster':
      return clusterBackend(options);
    default: {
      const unknown: never = name;
      throw new Error(`unknown backend ${String(unknown)}`);
    }
  }
}
