// The local stack as one launcher: Temporal dev server, codec server, fake Seer, worker and API
// as child processes, each awaited until ready and held by a handle. `npm start`, drills, bench.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPort, loadConfig, type Config } from '../config';
import { cliVersion, startDevServer } from '../temporal/dev-server';
import { prebundle } from '../temporal/prebundle';
import { tracingBundlePath } from '../temporal/worker';
import { compiledBuild, compiledEntry } from './compiled-build';
import { prepareJaeger } from './jaeger';
import {
  httpOk,
  incarnationOf,
  portAccepts,
  prefixer,
  spawnCommand,
  spawnEntry,
  StackProcess,
  withNodeRuntimeOptions,
  waitUntil,
  type ProcessRecipe,
} from './processes';

const ROOT = join(__dirname, '../..');
/** After its drain, a process closes its Temporal and Seer clients: a few seconds at most. */
const CLIENTS_CLOSE_MS = 5_000;

/**
 * The stack's processes, in the order of its address table; it stops them in reverse (Jaeger
 * last, so it still takes the spans the others flush as they stop).
 */
export const PROCESS_NAMES = ['jaeger', 'temporal', 'codec', 'fake-seer', 'worker', 'api'] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number];

/** The project's entry points the stack runs (the API, worker, fake Seer and codec server). */
const ENTRY_POINTS = [
  'src/api/main.ts',
  'src/worker.ts',
  'src/fake-seer/main.ts',
  'src/codec-server/main.ts',
];

export interface StackOptions {
  /**
   * What the processes start from, read by src/config like any process's environment: the API's
   * `PORT`, `WORKER_METRICS_PORT`, `SEER_RUN_MIRROR_ORGS`, `FAKE_SEER_LATENCY_MS`, `LOG_LEVEL`, ...
   * Default: this process's environment.
   */
  env?: NodeJS.ProcessEnv;
  /** Holds the dev server's SQLite file, the workflow bundle and the development payload key. */
  dataDir: string;
  /**
   * `file`: SQLite under dataDir, runs survive a restart of the stack or of its dev server.
   * `memory`: gone when the dev server stops.
   */
  storage?: 'file' | 'memory';
  ports: {
    temporal: number;
    /** The dev server's Web UI; null = headless. */
    ui: number | null;
    fakeSeer: number;
    /** The codec server the Web UI and CLI decode through; null = none. */
    codec: number | null;
  };
  /** An existing Temporal frontend: no dev server is started. */
  temporalAddress?: string;
  /** An existing Seer: no fake Seer is started. */
  seerUrl?: string;
  /** Receives each line a process prints; default: stdout, prefixed with the process name. */
  onLine?: (name: ProcessName, line: string) => void;
  /** Aborting stops whatever has started, and the start-up rejects. */
  signal?: AbortSignal;
  /**
   * `tsx` (default): the TypeScript sources, compiled in-process. `compiled`: the image's build
   * (dist/, made first when a source is newer), run by plain `node` as the image runs it.
   */
  build?: 'tsx' | 'compiled';
  /** Extra `node` arguments per process, e.g. `{ api: ['--cpu-prof'] }` for a CPU profile. */
  nodeArgs?: Partial<Record<ProcessName, string[]>>;
  /**
   * Traces: a Jaeger all-in-one on `uiPort` (0 = a free port), and the worker and API export to it
   * (OTEL_EXPORTER_OTLP_ENDPOINT). Omitted: no Jaeger; OTEL_* in `env` still apply.
   */
  tracing?: { uiPort: number };
}

export interface Stack {
  config: Config;
  apiUrl: string;
  workerMetricsUrl: string;
  temporalAddress: string;
  seerUrl: string;
  uiUrl: string | null;
  codecUrl: string | null;
  /** Jaeger's UI and query API when the stack traces; null otherwise. */
  jaegerUrl: string | null;
  /** What the `temporal` binary says it is, when the stack started a dev server. */
  temporalCliVersion: string | null;
  /** The dev server's own Prometheus metrics; null when the stack uses an existing Temporal. */
  temporalMetricsUrl: string | null;
  /** A handle per process the stack started: kill, restart, wait for exit. */
  processes: Partial<Record<ProcessName, StackProcess>>;
  /** The started processes in PROCESS_NAMES order. */
  list(): StackProcess[];
  /** Stops every process, the API first and the dev server last. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * PAYLOAD_ENCRYPTION_KEYS, or the stack's own development key: made once and kept under the data
 * directory, so runs stored by an earlier start stay readable.
 */
export function payloadKeys(dataDir: string, env: NodeJS.ProcessEnv): string {
  if (env.PAYLOAD_ENCRYPTION_KEYS) return env.PAYLOAD_ENCRYPTION_KEYS;
  const file = join(dataDir, 'payload-key');
  if (!existsSync(file)) {
    const id = `dev-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    writeFileSync(file, `${id}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * The page-token key every API replica of this data directory shares (SEER_RUNS_PAGE_TOKEN_KEY), kept
 * beside the payload key so a token handed out before a restart still pages on after it.
 */
export function pageTokenKey(dataDir: string, env: NodeJS.ProcessEnv): string {
  if (env.SEER_RUNS_PAGE_TOKEN_KEY) return env.SEER_RUNS_PAGE_TOKEN_KEY;
  const file = join(dataDir, 'page-token-key');
  if (!existsSync(file))
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Where this machine reaches a process that listens on `host`: a wildcard on loopback. */
export function localUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${hostPort(reachable, port)}`;
}

export async function ensureFree(port: number, what: string): Promise<void> {
  if (await portAccepts(port)) {
    throw new Error(`port ${port} (${what}) is already in use by another program`);
  }
}

/** The worker serves once it polls its task queue, which its SDK metrics say. */
export async function workerPolls(metricsUrl: string): Promise<boolean> {
  const response = await fetch(metricsUrl, {
    signal: AbortSignal.timeout(2_000),
  });
  const text = await response.text();
  return /^temporal_num_pollers\{[^}]*poller_type="workflow_task"[^}]*\} [1-9]/m.test(text);
}

/** Starts the stack; on any failure (or an abort) it stops what it started, then rejects. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const baseEnv = options.env ?? process.env;
  // Throws a ConfigError naming the variable; entry points check the config before calling.
  const config = loadConfig(baseEnv);
  const onLine = options.onLine ?? ((name, line) => prefixer(name)(line));
  const processes: Partial<Record<ProcessName, StackProcess>> = {};
  const list = () => PROCESS_NAMES.flatMap((name) => processes[name] ?? []);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const child of list().reverse()) await child.stop();
    })());

  const compiled = options.build === 'compiled';
  /** A project entry point (its .ts source under tsx, or its compiled .js), ready when `probe` says so. */
  const entry = (
    name: ProcessName,
    path: string,
    env: NodeJS.ProcessEnv,
    probe: () => Promise<boolean>,
    timing: { readyMs: number; graceMs: number },
  ): StackProcess => {
    const nodeArgs = options.nodeArgs?.[name] ?? [];
    const processEnv = withNodeRuntimeOptions(env);
    const recipe: ProcessRecipe = {
      launch: () => {
        const { child, exited } = compiled
          ? spawnCommand(name, process.execPath, [...nodeArgs, join(ROOT, compiledEntry(path))], {
              env: processEnv,
              onLine: (line) => onLine(name, line),
              cwd: ROOT,
            })
          : spawnEntry(name, join(ROOT, path), processEnv, (line) => onLine(name, line), nodeArgs);
        return Promise.resolve(incarnationOf(child, exited));
      },
      ready: (incarnation) =>
        waitUntil(name, probe, { timeoutMs: timing.readyMs, process: incarnation }),
      graceMs: timing.graceMs,
    };
    return (processes[name] = new StackProcess(name, recipe));
  };

  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const apiUrl = localUrl(config.host, config.port);
    const workerMetricsUrl = `${localUrl(config.host, config.worker.metricsPort)}/metrics`;
    await ensureFree(config.port, 'API');
    if (!options.seerUrl) await ensureFree(options.ports.fakeSeer, 'fake Seer');
    await ensureFree(config.worker.metricsPort, 'worker metrics');

    mkdirSync(options.dataDir, { recursive: true });
    if (compiled) {
      // Every entry point the stack runs, and the bundle, before the first process starts.
      await compiledBuild(
        baseEnv.WORKFLOW_BUNDLE_PATH || join(options.dataDir, 'workflow-bundle.js'),
        ENTRY_POINTS.map(compiledEntry),
        (line) => onLine('worker', line),
      );
    }
    const keys = payloadKeys(options.dataDir, baseEnv);
    let jaegerUrl: string | null = null;
    let tracingEnv: NodeJS.ProcessEnv = {};
    if (options.tracing) {
      if (options.tracing.uiPort) await ensureFree(options.tracing.uiPort, 'Jaeger UI');
      const jaeger = await prepareJaeger({
        dataDir: options.dataDir,
        ports: { ui: options.tracing.uiPort, otlpHttp: 0 },
        env: baseEnv,
        onLine: (line) => onLine('jaeger', line),
      });
      processes.jaeger = jaeger.process;
      await jaeger.process.start();
      jaegerUrl = jaeger.uiUrl;
      tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint };
    }
    let codecUrl: string | null = null;
    const codecPort = options.ports.codec;
    if (codecPort !== null) {
      await ensureFree(codecPort, 'codec server');
      codecUrl = `http://127.0.0.1:${codecPort}`;
      const ui = options.ports.ui;
      const codecEnv = {
        ...baseEnv,
        PAYLOAD_ENCRYPTION_KEYS: keys,
        CODEC_SERVER_PORT: String(codecPort),
        ...(ui === null
          ? {}
          : { CODEC_CORS_ORIGINS: `http://127.0.0.1:${ui},http://localhost:${ui}` }),
      };
      await entry('codec', 'src/codec-server/main.ts', codecEnv, () => portAccepts(codecPort), {
        readyMs: 30_000,
        graceMs: 10_000,
      }).start();
    }

    const temporalAddress = options.temporalAddress ?? `127.0.0.1:${options.ports.temporal}`;
    const uiUrl =
      options.temporalAddress || options.ports.ui === null
        ? null
        : `http://127.0.0.1:${options.ports.ui}`;
    let temporalCliVersion: string | null = null;
    let temporalMetricsUrl: string | null = null;
    if (!options.temporalAddress) {
      await ensureFree(options.ports.temporal, 'Temporal');
      if (options.ports.ui !== null) await ensureFree(options.ports.ui, 'Temporal Web UI');
      const cliPath = execFileSync('bash', [join(ROOT, 'scripts/temporal-cli.sh')], {
        encoding: 'utf8',
        env: baseEnv,
        stdio: ['ignore', 'pipe', 'inherit'],
      }).trim();
      const uiPort = options.ports.ui;
      const temporal = new StackProcess('temporal', {
        // The same port and SQLite file on every start: a restarted server has the runs it had.
        launch: async () => {
          const server = await startDevServer({
            cliPath,
            port: options.ports.temporal,
            ...(uiPort === null ? {} : { uiPort }),
            ...(options.storage === 'memory'
              ? {}
              : { dbFile: join(options.dataDir, 'temporal.sqlite') }),
            namespace: config.temporal.namespace,
            retentionMs: config.temporal.retentionMs,
            onLine: (line) => onLine('temporal', line),
            // The UI decrypts payloads in the browser through our codec server.
            ...(codecUrl && uiPort !== null
              ? { extraArgs: ['--ui-codec-endpoint', codecUrl] }
              : {}),
          });
          temporalMetricsUrl = server.metricsUrl;
          return incarnationOf(server.process, server.exited);
        },
        // startDevServer returns once the server answers.
        ready: () => Promise.resolve(),
        graceMs: 15_000,
      });
      processes.temporal = temporal;
      await temporal.start();
      temporalCliVersion = await cliVersion(cliPath);
    }

    const seerUrl = options.seerUrl ?? `http://127.0.0.1:${options.ports.fakeSeer}`;
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      TEMPORAL_ADDRESS: temporalAddress,
      SEER_URL: seerUrl,
      SEER_SHARED_SECRET: config.seer.sharedSecret,
      PAYLOAD_ENCRYPTION_KEYS: keys,
      SEER_RUNS_PAGE_TOKEN_KEY: pageTokenKey(options.dataDir, baseEnv),
      ...tracingEnv,
    };
    if (!options.seerUrl) {
      const fakeSeerEnv = { ...env, FAKE_SEER_PORT: String(options.ports.fakeSeer) };
      await entry(
        'fake-seer',
        'src/fake-seer/main.ts',
        fakeSeerEnv,
        () => portAccepts(options.ports.fakeSeer),
        { readyMs: 30_000, graceMs: 10_000 },
      ).start();
    }
    // Bundled here, once, as the Docker image does: the worker starts without webpack in it.
    const bundlePath = baseEnv.WORKFLOW_BUNDLE_PATH || join(options.dataDir, 'workflow-bundle.js');
    if (!compiled && !baseEnv.WORKFLOW_BUNDLE_PATH) {
      await prebundle(bundlePath, { quiet: true });
      // With tracing on (--tracing, or OTEL_* in env), the worker and the API load the bundle's
      // tracing twin instead: made fresh whenever the bundle is, never a stale one.
      if (
        options.tracing ||
        baseEnv.OTEL_EXPORTER_OTLP_ENDPOINT ||
        baseEnv.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      ) {
        await prebundle(tracingBundlePath(bundlePath), { quiet: true, tracing: true });
      } else {
        rmSync(tracingBundlePath(bundlePath), { force: true });
      }
    }
    const withBundle = { ...env, WORKFLOW_BUNDLE_PATH: bundlePath };
    const worker = entry(
      'worker',
      'src/worker.ts',
      withBundle,
      () => workerPolls(workerMetricsUrl),
      { readyMs: 60_000, graceMs: config.worker.shutdownGraceMs + CLIENTS_CLOSE_MS },
    );
    // With API_EMBEDDED_WORKER=on the API runs a worker too, from the same bundle. /readyz
    // answers 200 once Temporal answers and a worker polls the task queue. On SIGTERM the API
    // drains (config.apiDrainMs), then stops its embedded worker and its clients: the grace
    // covers all of it, so a Ctrl-C never cuts a client that is still waiting for its answer.
    const api = entry('api', 'src/api/main.ts', withBundle, () => httpOk(`${apiUrl}/readyz`), {
      readyMs: 60_000,
      graceMs:
        config.apiDrainMs +
        (config.apiEmbeddedWorker ? config.worker.shutdownGraceMs : 0) +
        CLIENTS_CLOSE_MS,
    });
    await Promise.all([worker.start(), api.start()]);
    if (stopping) throw new Error('the stack was stopped during start-up');

    return {
      config,
      apiUrl,
      workerMetricsUrl,
      temporalAddress,
      seerUrl,
      uiUrl,
      codecUrl,
      jaegerUrl,
      temporalCliVersion,
      temporalMetricsUrl,
      processes,
      list,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
