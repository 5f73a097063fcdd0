// The production-shaped stack as one launcher: PostgreSQL, Temporal's four services as separate
// processes behind mTLS, two workers and two API replicas from the compiled build, fake Seer, codec.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { SEARCH_ATTRIBUTE_FLAGS } from '../domain';
import { freePort } from '../temporal/dev-server';
import {
  httpOk,
  incarnationOf,
  portAccepts,
  prefixer,
  spawnCommand,
  spawnEntry,
  StackProcess,
  waitUntil,
  type ProcessRecipe,
  withNodeRuntimeOptions,
} from '../stack/processes';
import { ensureFree, pageTokenKey, payloadKeys, workerPolls } from '../stack/stack';
import { compiledBuild } from '../stack/compiled-build';
import { readEntryPoints } from './entry-points';
import { localPostgres, waitForDatabase, type Database } from './postgres';

const ROOT = join(__dirname, '../..');

/**
 * How each Temporal service starts from deploy/temporal/server.yaml, `root` holding deploy/: the
 * cluster passes the repository, compose the image's /etc/temporal (checked in deployment.test.ts).
 */
export function temporalServerArgs(root: string, service: string): string[] {
  return [
    '--root',
    root,
    '--config',
    'deploy/temporal',
    '--env',
    'server',
    '--allow-no-auth',
    'start',
    '--service',
    service,
  ];
}

/** The cluster's processes in start order; it stops them in reverse. */
export const CLUSTER_PROCESS_NAMES = [
  'postgres',
  'history',
  'matching',
  'frontend',
  'temporal-worker',
  'codec',
  'fake-seer',
  'worker-1',
  'worker-2',
  'api-1',
  'api-2',
] as const;
export type ClusterProcessName = (typeof CLUSTER_PROCESS_NAMES)[number];

const TEMPORAL_SERVICES = {
  history: 'history',
  matching: 'matching',
  frontend: 'frontend',
  'temporal-worker': 'worker',
} as const satisfies Partial<Record<ClusterProcessName, string>>;

/** Every port the cluster listens on. Chosen once per data directory and kept there. */
export const CLUSTER_PORTS = [
  'postgres',
  'frontend',
  'frontendHttp',
  'frontendMembership',
  'history',
  'historyMembership',
  'matching',
  'matchingMembership',
  'temporalWorker',
  'temporalWorkerMembership',
  'frontendMetrics',
  'historyMetrics',
  'matchingMetrics',
  'temporalWorkerMetrics',
  'api1',
  'api2',
  'workerMetrics1',
  'workerMetrics2',
  'fakeSeer',
  'codec',
] as const;
export type ClusterPorts = Record<(typeof CLUSTER_PORTS)[number], number>;

/** Each Temporal service's own Prometheus endpoint (server.yaml's TEMPORAL_METRICS_PORT). */
const METRICS_PORT = {
  history: 'historyMetrics',
  matching: 'matchingMetrics',
  frontend: 'frontendMetrics',
  'temporal-worker': 'temporalWorkerMetrics',
} as const satisfies Record<keyof typeof TEMPORAL_SERVICES, keyof ClusterPorts>;

export interface ClusterOptions {
  /** PostgreSQL's data, the mTLS material, the chosen ports, the workflow bundle, the payload key. */
  dataDir: string;
  /**
   * What the seer-runs processes start from (src/config), and TEMPORAL_DB_HOST/PORT/USER/PASSWORD:
   * with TEMPORAL_DB_HOST set, that PostgreSQL is used and none is started. Default: process.env.
   */
  env?: NodeJS.ProcessEnv;
  /** Fixed ports (checked free); the others are free ports, remembered in dataDir/ports.json. */
  ports?: Partial<ClusterPorts>;
  /** How long to wait for an external PostgreSQL that does not answer yet. Default 60 s. */
  databaseWaitMs?: number;
  /** Receives each line a process prints; default: stdout, prefixed with the process name. */
  onLine?: (name: string, line: string) => void;
  /** Aborting stops whatever has started, and the start-up rejects. */
  signal?: AbortSignal;
}

export interface Cluster {
  config: Config;
  /** api-1's and api-2's base URLs. */
  apiUrls: [string, string];
  temporalAddress: string;
  /** Each Temporal service's Prometheus metrics (e.g. the server's `action` counter), one URL each. */
  temporalMetricsUrls: string[];
  namespace: string;
  /** What a Temporal client (SDK, CLI) needs to reach the frontend over mTLS, as Temporal env config. */
  tlsEnv: Record<string, string>;
  seerUrl: string;
  codecUrl: string;
  database: Database & { external: boolean };
  ports: ClusterPorts;
  /** A handle per process; `postgres` only when the cluster runs its own. */
  processes: Record<Exclude<ClusterProcessName, 'postgres'>, StackProcess> & {
    postgres?: StackProcess;
  };
  /** The started processes in CLUSTER_PROCESS_NAMES order (no postgres with an external one). */
  list(): StackProcess[];
  /** Milliseconds each start-up step took, and the total. */
  timings: Record<string, number>;
  /** Stops every process, the APIs first and PostgreSQL last. Safe to call twice. */
  stop(): Promise<void>;
}

/** Runs a bash script of the repo; stderr lines go to `onLine`, stdout is the answer. */
function runScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, script), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const stderr: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      onLine(line);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) return resolve(stdout);
      const last = stderr.filter((line) => line.trim()).at(-1) ?? `exit ${String(code)}`;
      reject(new Error(`${script}: ${last}`));
    });
  });
}

interface Toolchain {
  TEMPORAL_SERVER: string;
  TEMPORAL_SQL_TOOL: string;
  TEMPORAL_SCHEMA_DIR: string;
  PG_BIN: string;
  TEMPORAL_CLI: string;
}

async function provision(env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<Toolchain> {
  const out = await runScript('scripts/cluster-provision.sh', [], env, say);
  const found = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Partial<Toolchain>;
  for (const key of [
    'TEMPORAL_SERVER',
    'TEMPORAL_SQL_TOOL',
    'TEMPORAL_SCHEMA_DIR',
    'TEMPORAL_CLI',
  ] as const) {
    if (!found[key]) throw new Error(`scripts/cluster-provision.sh did not name ${key}`);
  }
  return found as Toolchain;
}

/** The remembered ports, then fixed ones from options, then free ones for the rest. */
async function choosePorts(dataDir: string, fixed: Partial<ClusterPorts>): Promise<ClusterPorts> {
  const file = join(dataDir, 'ports.json');
  const remembered = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterPorts>)
    : {};
  const ports = {} as ClusterPorts;
  for (const name of CLUSTER_PORTS) {
    const port = fixed[name] ?? remembered[name] ?? (await freePort());
    const twin = CLUSTER_PORTS.find((other) => ports[other] === port);
    if (twin) throw new Error(`port ${port} is given to both ${twin} and ${name}`);
    // A membership or gRPC port a service had stays its own: the ring in the database names it.
    await ensureFree(port, name);
    ports[name] = port;
  }
  writeFileSync(file, `${JSON.stringify(ports, null, 2)}\n`);
  return ports;
}

/** The frontend serves once a client with our certificate gets its system info. */
async function frontendServes(address: string, tls: Record<string, string>): Promise<boolean> {
  const connection = await Connection.connect({
    address,
    connectTimeout: 2_000,
    tls: {
      serverNameOverride: tls.TEMPORAL_TLS_SERVER_NAME,
      serverRootCACertificate: readFileSync(tls.TEMPORAL_TLS_SERVER_CA_CERT_PATH!),
      clientCertPair: {
        crt: readFileSync(tls.TEMPORAL_TLS_CLIENT_CERT_PATH!),
        key: readFileSync(tls.TEMPORAL_TLS_CLIENT_KEY_PATH!),
      },
    },
  });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

function databaseFromEnv(env: NodeJS.ProcessEnv): Database | undefined {
  if (!env.TEMPORAL_DB_HOST) return undefined;
  const port = Number(env.TEMPORAL_DB_PORT || 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`TEMPORAL_DB_PORT: expected a port number, got ${env.TEMPORAL_DB_PORT}`);
  }
  return {
    host: env.TEMPORAL_DB_HOST,
    port,
    user: env.TEMPORAL_DB_USER || 'temporal',
    password: env.TEMPORAL_DB_PASSWORD ?? 'temporal',
  };
}

/** Starts the cluster; on any failure (or an abort) it stops what it started, then rejects. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  let stepAt = started;
  const step = (name: string) => {
    timings[name] = Date.now() - stepAt;
    stepAt = Date.now();
  };
  const baseEnv = options.env ?? process.env;
  const config = loadConfig(baseEnv);
  const onLine = options.onLine ?? ((name, line) => prefixer(name)(line));
  const say = (line: string) => onLine('cluster', line);
  const processes: Partial<Record<ClusterProcessName, StackProcess>> = {};
  const list = () => CLUSTER_PROCESS_NAMES.flatMap((name) => processes[name] ?? []);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const child of list().reverse()) await child.stop();
    })());
  const add = (name: ClusterProcessName, recipe: ProcessRecipe) =>
    (processes[name] = new StackProcess(name, recipe));
  /** A program, ready when `probe` says so. */
  const program = (
    name: ClusterProcessName,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    probe: () => Promise<boolean>,
    timing: { readyMs: number; graceMs: number },
  ) =>
    add(name, {
      launch: () => {
        const { child, exited } = spawnCommand(name, command, args, {
          env,
          cwd: ROOT,
          onLine: (line) => onLine(name, line),
        });
        return Promise.resolve(incarnationOf(child, exited));
      },
      ready: (incarnation) =>
        waitUntil(name, probe, { timeoutMs: timing.readyMs, process: incarnation }),
      graceMs: timing.graceMs,
    });

  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const external = databaseFromEnv(baseEnv);
    const tools = await provision(
      external ? baseEnv : { ...baseEnv, TEMPORAL_DB_HOST: '' },
      (line) => onLine('provision', line),
    );
    const entries = readEntryPoints(ROOT);
    mkdirSync(options.dataDir, { recursive: true });
    const ports = await choosePorts(options.dataDir, options.ports ?? {});
    const tlsDir = join(options.dataDir, 'tls');
    await runScript('scripts/cluster-certs.sh', [tlsDir], baseEnv, say);
    const temporalAddress = `127.0.0.1:${ports.frontend}`;
    const tlsEnv = {
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(tlsDir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(tlsDir, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(tlsDir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
    // The compiled build and its workflow bundle, while the database and Temporal come up.
    const bundlePath = join(options.dataDir, 'workflow-bundle.js');
    const building = compiledBuild(bundlePath, [entries.worker[0]!, entries.api[0]!], say);
    building.catch(() => undefined);
    step('provision');

    let database: Database;
    if (external) {
      database = external;
      await waitForDatabase(database, options.databaseWaitMs ?? 60_000, say);
    } else {
      if (!tools.PG_BIN) throw new Error('scripts/cluster-provision.sh did not name PG_BIN');
      const local = localPostgres({
        pgBin: tools.PG_BIN,
        dir: join(options.dataDir, 'postgres'),
        port: ports.postgres,
        onLine: (line) => onLine('postgres', line),
      });
      database = local.database;
      await add('postgres', local.recipe).start();
    }
    step('postgres');
    const dbEnv = {
      TEMPORAL_DB_HOST: database.host,
      TEMPORAL_DB_PORT: String(database.port),
      TEMPORAL_DB_USER: database.user,
      TEMPORAL_DB_PASSWORD: database.password,
    };
    await runScript(
      'deploy/temporal/setup-schema.sh',
      [],
      {
        PATH: baseEnv.PATH,
        ...dbEnv,
        TEMPORAL_SQL_TOOL: tools.TEMPORAL_SQL_TOOL,
        TEMPORAL_SCHEMA_DIR: tools.TEMPORAL_SCHEMA_DIR,
      },
      () => undefined,
    );
    step('schema');

    // One config template for all four services; each process renders it from this environment.
    const serverEnv: NodeJS.ProcessEnv = {
      PATH: baseEnv.PATH,
      HOME: baseEnv.HOME,
      ...dbEnv,
      TEMPORAL_TLS_DIR: tlsDir,
      TEMPORAL_DYNAMIC_CONFIG_PATH: join(ROOT, 'deploy/temporal-dynamic-config.yaml'),
      TEMPORAL_LOG_LEVEL: baseEnv.TEMPORAL_SERVER_LOG_LEVEL || 'warn',
      TEMPORAL_FRONTEND_PORT: String(ports.frontend),
      TEMPORAL_FRONTEND_HTTP_PORT: String(ports.frontendHttp),
      TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
      TEMPORAL_HISTORY_PORT: String(ports.history),
      TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
      TEMPORAL_MATCHING_PORT: String(ports.matching),
      TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
      TEMPORAL_WORKER_PORT: String(ports.temporalWorker),
      TEMPORAL_WORKER_MEMBERSHIP_PORT: String(ports.temporalWorkerMembership),
    };
    const serviceProbe: Record<keyof typeof TEMPORAL_SERVICES, () => Promise<boolean>> = {
      history: () => portAccepts(ports.history),
      matching: () => portAccepts(ports.matching),
      frontend: () => frontendServes(temporalAddress, tlsEnv),
      // The worker service serves no gRPC of its own: it is up once it joins the ring.
      'temporal-worker': () => portAccepts(ports.temporalWorkerMembership),
    };
    const service = (name: keyof typeof TEMPORAL_SERVICES) =>
      program(
        name,
        tools.TEMPORAL_SERVER,
        temporalServerArgs(ROOT, TEMPORAL_SERVICES[name]),
        { ...serverEnv, TEMPORAL_METRICS_PORT: String(ports[METRICS_PORT[name]]) },
        serviceProbe[name],
        {
          readyMs: 60_000,
          graceMs: 15_000,
        },
      );
    // History first: on a new database the first service writes the cluster metadata, and
    // services racing to write it fail ("SaveClusterMetadata encountered version mismatch").
    await service('history').start();
    await Promise.all([
      service('matching').start(),
      service('frontend').start(),
      service('temporal-worker').start(),
    ]);
    step('temporal');
    await runScript(
      'deploy/temporal/register-namespace.sh',
      [config.temporal.namespace, ...SEARCH_ATTRIBUTE_FLAGS],
      { PATH: baseEnv.PATH, HOME: baseEnv.HOME, TEMPORAL_CLI: tools.TEMPORAL_CLI, ...tlsEnv },
      say,
    );
    step('namespace');

    mkdirSync(options.dataDir, { recursive: true });
    const keys = payloadKeys(options.dataDir, baseEnv);
    const codecUrl = `http://127.0.0.1:${ports.codec}`;
    const seerUrl = `http://127.0.0.1:${ports.fakeSeer}`;
    const appEnv: NodeJS.ProcessEnv = {
      ...withNodeRuntimeOptions(baseEnv),
      ...tlsEnv,
      SEER_URL: seerUrl,
      SEER_SHARED_SECRET: config.seer.sharedSecret,
      PAYLOAD_ENCRYPTION_KEYS: keys,
      // One key for both replicas: a page token handed out by one pages on at the other.
      SEER_RUNS_PAGE_TOKEN_KEY: pageTokenKey(options.dataDir, baseEnv),
      WORKFLOW_BUNDLE_PATH: bundlePath,
    };
    const devEntry = (
      name: 'codec' | 'fake-seer',
      path: string,
      env: NodeJS.ProcessEnv,
      port: number,
    ) =>
      add(name, {
        launch: () => {
          const { child, exited } = spawnEntry(name, join(ROOT, path), env, (line) =>
            onLine(name, line),
          );
          return Promise.resolve(incarnationOf(child, exited));
        },
        ready: (incarnation) =>
          waitUntil(name, () => portAccepts(port), { timeoutMs: 30_000, process: incarnation }),
        graceMs: 10_000,
      });
    await Promise.all([
      devEntry(
        'codec',
        'src/codec-server/main.ts',
        { ...appEnv, CODEC_SERVER_PORT: String(ports.codec) },
        ports.codec,
      ).start(),
      devEntry(
        'fake-seer',
        'src/fake-seer/main.ts',
        { ...appEnv, FAKE_SEER_PORT: String(ports.fakeSeer) },
        ports.fakeSeer,
      ).start(),
      building,
    ]);
    step('build, codec, fake Seer');

    const workerGrace = config.worker.shutdownGraceMs + 5_000;
    // The API's whole drain (spec §5), as npm start gives it.
    const apiGrace = config.apiDrainMs + 5_000;
    const apps = [
      program(
        'worker-1',
        process.execPath,
        entries.worker,
        { ...appEnv, WORKER_METRICS_PORT: String(ports.workerMetrics1) },
        () => workerPolls(`http://127.0.0.1:${ports.workerMetrics1}/metrics`),
        { readyMs: 60_000, graceMs: workerGrace },
      ),
      program(
        'worker-2',
        process.execPath,
        entries.worker,
        { ...appEnv, WORKER_METRICS_PORT: String(ports.workerMetrics2) },
        () => workerPolls(`http://127.0.0.1:${ports.workerMetrics2}/metrics`),
        { readyMs: 60_000, graceMs: workerGrace },
      ),
      program(
        'api-1',
        process.execPath,
        entries.api,
        { ...appEnv, PORT: String(ports.api1) },
        () => httpOk(`http://127.0.0.1:${ports.api1}/readyz`),
        { readyMs: 60_000, graceMs: apiGrace },
      ),
      program(
        'api-2',
        process.execPath,
        entries.api,
        { ...appEnv, PORT: String(ports.api2) },
        () => httpOk(`http://127.0.0.1:${ports.api2}/readyz`),
        { readyMs: 60_000, graceMs: apiGrace },
      ),
    ];
    await Promise.all(apps.map((app) => app.start()));
    step('workers and APIs');
    timings.total = Date.now() - started;
    if (stopping) throw new Error('the cluster was stopped during start-up');

    return {
      config,
      apiUrls: [`http://127.0.0.1:${ports.api1}`, `http://127.0.0.1:${ports.api2}`],
      temporalAddress,
      temporalMetricsUrls: Object.values(METRICS_PORT).map(
        (port) => `http://127.0.0.1:${ports[port]}/metrics`,
      ),
      namespace: config.temporal.namespace,
      tlsEnv,
      seerUrl,
      codecUrl,
      database: { ...database, external: external !== undefined },
      ports,
      processes: processes as Cluster['processes'],
      list,
      timings,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
