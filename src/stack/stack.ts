// The local stack as one reusable start-up: Temporal dev server, codec server, fake Seer, worker
// and API as child processes, each awaited until ready. Used by `npm start` and `npm run bench`.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { prebundle } from '../temporal/prebundle';
import {
  httpOk,
  portAccepts,
  prefixer,
  spawnEntry,
  waitUntil,
  type ManagedProcess,
} from './processes';

const ROOT = join(__dirname, '../..');

export interface StackOptions {
  /**
   * What the processes start from, read by config.ts like any process's environment: the API's
   * `PORT`, `WORKER_METRICS_PORT`, `SEER_RUN_MIRROR_ORGS`, `FAKE_SEER_LATENCY_MS`, `LOG_LEVEL`, ...
   * Default: this process's environment.
   */
  env?: NodeJS.ProcessEnv;
  /** Holds the dev server's SQLite file and the development payload key. */
  dataDir: string;
  /** `file`: SQLite under dataDir, runs survive a restart (npm start). `memory`: gone at stop. */
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
  onLine?: (name: string, line: string) => void;
  /** Aborting stops whatever has started, and the start-up rejects. */
  signal?: AbortSignal;
}

export interface Stack {
  config: Config;
  apiUrl: string;
  temporalAddress: string;
  seerUrl: string;
  uiUrl: string | null;
  codecUrl: string | null;
  /** The dev server, when the stack started one. */
  server: DevServer | undefined;
  /** The child processes other than the dev server, in start order. */
  children: ManagedProcess[];
  /** name → pid, in start order: temporal, codec, fake-seer, worker, api (those started). */
  processes: Record<string, number>;
  /** Stops every process, the API first and the dev server last. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * PAYLOAD_ENCRYPTION_KEYS, or the stack's own development key: made once and kept under the data
 * directory, so runs stored by an earlier start stay readable.
 */
function payloadKeys(dataDir: string, env: NodeJS.ProcessEnv): string {
  if (env.PAYLOAD_ENCRYPTION_KEYS) return env.PAYLOAD_ENCRYPTION_KEYS;
  const file = join(dataDir, 'payload-key');
  if (!existsSync(file)) {
    const id = `dev-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    writeFileSync(file, `${id}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

async function ensureFree(port: number, what: string): Promise<void> {
  if (await portAccepts(port)) {
    throw new Error(`port ${port} (${what}) is already in use by another program`);
  }
}

/** Starts the stack; on any failure (or an abort) it stops what it started, then rejects. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const baseEnv = options.env ?? process.env;
  // Throws a ConfigError naming the variable; entry points check the config before calling.
  const config = loadConfig(baseEnv);
  const onLine = options.onLine ?? ((name, line) => prefixer(name)(line));
  const children: ManagedProcess[] = [];
  let server: DevServer | undefined;
  let stopping: Promise<void> | undefined;

  const stop = () =>
    (stopping ??= (async () => {
      for (const child of [...children].reverse()) {
        await child.stop(child.name === 'worker' ? config.worker.shutdownGraceMs + 5_000 : 10_000);
      }
      await server?.stop();
    })());
  const spawn = (name: string, entry: string, env: NodeJS.ProcessEnv) => {
    if (stopping) throw new Error('the stack was stopped during start-up');
    const child = spawnEntry(name, join(ROOT, entry), env, (line) => onLine(name, line));
    children.push(child);
    return child;
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const apiUrl = `http://127.0.0.1:${config.port}`;
    await ensureFree(config.port, 'API');
    if (!options.seerUrl) await ensureFree(options.ports.fakeSeer, 'fake Seer');
    await ensureFree(config.worker.metricsPort, 'worker metrics');

    mkdirSync(options.dataDir, { recursive: true });
    const keys = payloadKeys(options.dataDir, baseEnv);
    let codecUrl: string | null = null;
    const codecPort = options.ports.codec;
    if (codecPort !== null) {
      await ensureFree(codecPort, 'codec server');
      codecUrl = `http://127.0.0.1:${codecPort}`;
      const ui = options.ports.ui;
      const codec = spawn('codec', 'src/codec-server/main.ts', {
        ...baseEnv,
        PAYLOAD_ENCRYPTION_KEYS: keys,
        CODEC_SERVER_PORT: String(codecPort),
        ...(ui === null
          ? {}
          : { CODEC_CORS_ORIGINS: `http://127.0.0.1:${ui},http://localhost:${ui}` }),
      });
      await waitUntil('codec server', () => portAccepts(codecPort), {
        timeoutMs: 30_000,
        process: codec,
      });
    }

    let temporalAddress = options.temporalAddress;
    if (!temporalAddress) {
      await ensureFree(options.ports.temporal, 'Temporal');
      if (options.ports.ui !== null) await ensureFree(options.ports.ui, 'Temporal Web UI');
      const cliPath = execFileSync('bash', [join(ROOT, 'scripts/temporal-cli.sh')], {
        encoding: 'utf8',
        env: baseEnv,
        stdio: ['ignore', 'pipe', 'inherit'],
      }).trim();
      if (stopping) throw new Error('the stack was stopped during start-up');
      server = await startDevServer({
        cliPath,
        port: options.ports.temporal,
        ...(options.ports.ui === null ? {} : { uiPort: options.ports.ui }),
        ...(options.storage === 'memory'
          ? {}
          : { dbFile: join(options.dataDir, 'temporal.sqlite') }),
        namespace: config.temporal.namespace,
        retentionMs: config.temporal.retentionMs,
        onLine: (line) => onLine('temporal', line),
        // The UI decrypts payloads in the browser through our codec server.
        ...(codecUrl && options.ports.ui !== null
          ? { extraArgs: ['--ui-codec-endpoint', codecUrl] }
          : {}),
      });
      temporalAddress = server.address;
      // A stop that came while the server was starting did not see it.
      if (stopping) await server.stop();
    }

    const seerUrl = options.seerUrl ?? `http://127.0.0.1:${options.ports.fakeSeer}`;
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      TEMPORAL_ADDRESS: temporalAddress,
      SEER_URL: seerUrl,
      SEER_SHARED_SECRET: config.seer.sharedSecret,
      PAYLOAD_ENCRYPTION_KEYS: keys,
    };
    if (!options.seerUrl) {
      const fake = spawn('fake-seer', 'src/fake-seer/main.ts', {
        ...env,
        FAKE_SEER_PORT: String(options.ports.fakeSeer),
      });
      await waitUntil('fake Seer', () => portAccepts(options.ports.fakeSeer), {
        timeoutMs: 30_000,
        process: fake,
      });
    }
    // Bundled here, once, as the Docker image does: the worker starts without webpack in it.
    const bundlePath = baseEnv.WORKFLOW_BUNDLE_PATH || join(options.dataDir, 'workflow-bundle.js');
    if (!baseEnv.WORKFLOW_BUNDLE_PATH) await prebundle(bundlePath, { quiet: true });
    spawn('worker', 'src/worker.ts', { ...env, WORKFLOW_BUNDLE_PATH: bundlePath });
    // With API_EMBEDDED_WORKER=on the API runs a worker too, from the same bundle.
    const api = spawn('api', 'src/api/main.ts', { ...env, WORKFLOW_BUNDLE_PATH: bundlePath });
    // /readyz answers 200 once Temporal answers and a worker polls the task queue.
    await waitUntil('API and worker', () => httpOk(`${apiUrl}/readyz`), {
      timeoutMs: 60_000,
      process: api,
    });
    if (stopping) throw new Error('the stack was stopped during start-up');

    const processes: Record<string, number> = {};
    if (server?.process.pid) processes.temporal = server.process.pid;
    for (const child of children) if (child.child.pid) processes[child.name] = child.child.pid;
    return {
      config,
      apiUrl,
      temporalAddress,
      seerUrl,
      uiUrl: server?.uiUrl ?? null,
      codecUrl,
      server,
      children,
      processes,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
