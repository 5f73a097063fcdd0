// Everything a bench run drives, started and stopped together: the dev stack or the cluster
// (bench/backends.ts), the bench's own workers and clients, the API load pools and the log.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { FakeSeerControl } from '../drills/fake-seer-control';
import { SeerClient } from '../src/seer/client';
import { startBackend, type BenchBackend } from './backends';
import type { RunOnce } from './load';
import type { Gauges } from './measure';
import { ApiLoad, BenchEngine, pathRunners, type PathName } from './paths';
import { OVERLOAD_CONCURRENCY, type Plan } from './plan';
import { progress } from './progress';
import { ServerActions } from './server-actions';

export interface Rig {
  backend: BenchBackend;
  engine: BenchEngine;
  apiLoad: ApiLoad;
  runners: Record<PathName, RunOnce>;
  /** Keeps run ids and Idempotency-Keys apart from any earlier bench on the same server. */
  prefix: string;
  /** Unique across every measurement of the run. */
  nextSeq: () => number;
  /** The processes, the server's action counter and the history reader of every measurement. */
  gauges: Gauges;
  /** The fake Seer's control API: faults for the retried-once runs. */
  seerControl: FakeSeerControl;
  /** `--profile`: where the API writes its .cpuprofile when it exits; null otherwise. */
  profileDir: string | null;
  close(): Promise<void>;
}

/**
 * The stack's environment: this one's, minus anything that would point it elsewhere (another
 * Temporal or database, a real Seer, production tokens), plus the bench's own settings.
 */
function stackEnv(seerLatencyMs: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('TEMPORAL_') || name === 'TEMPORAL_CLI_PATH',
    ),
  );
  delete env.SEER_URL;
  delete env.SEER_RUNS_API_TOKENS;
  delete env.NODE_ENV;
  return {
    ...env,
    FAKE_SEER_LATENCY_MS: String(seerLatencyMs),
    // Faults for the retried-once runs; Seer's own routes answer as before.
    FAKE_SEER_CONTROL: '1',
    SEER_RUN_MIRROR_ORGS: '1',
    LOG_LEVEL: 'warn',
  };
}

/** Starts the rig; if any part fails to start, what did start is stopped before this rejects. */
export async function startRig(plan: Plan): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'seer-runs-bench-'));
  const logFile = join(dir, 'bench.log');
  const log = createWriteStream(logFile);
  const sdkLogger = new DefaultLogger('WARN', (entry: LogEntry) =>
    log.write(`[bench] ${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {})}\n`),
  );
  // Core's own log lines go to the log file too, not to stdout beside the table.
  Runtime.install({
    logger: sdkLogger,
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
  });
  progress(`starting the ${plan.backend} stack (logs: ${logFile})`);

  let backend: BenchBackend | undefined;
  let engine: BenchEngine | undefined;
  let apiLoad: ApiLoad | undefined;
  let seer: SeerClient | undefined;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await apiLoad?.close();
      await engine?.stop();
      await seer?.close();
      await backend?.stop();
      await new Promise<void>((resolve) => log.end(resolve));
    })());
  process.once('SIGINT', () => {
    progress('interrupted: stopping the stack');
    void close().finally(() => process.exit(130));
  });

  const profileDir = plan.profile ? join(dir, 'api-profile') : null;
  if (profileDir) mkdirSync(profileDir);
  try {
    backend = await startBackend(plan.backend, {
      env: stackEnv(plan.seerLatencyMs),
      dir,
      onLine: (name, line) => log.write(`[${name}] ${line}\n`),
      ...(plan.tracing ? { tracing: true } : {}),
      ...(profileDir ? { apiNodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    });
    const { config } = backend;
    seer = new SeerClient({
      baseUrl: backend.seerUrl,
      sharedSecret: config.seer.sharedSecret,
      requestTimeoutMs: config.seer.requestTimeoutMs,
    });
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      logger: sdkLogger,
    });
    engine = await BenchEngine.start({ ...backend.temporal, bundle, seer });
    apiLoad = new ApiLoad(backend.apiUrls, OVERLOAD_CONCURRENCY + 64);
    const prefix = `bench-${randomBytes(4).toString('hex')}`;
    let seq = 0;
    return {
      backend,
      engine,
      apiLoad,
      runners: pathRunners(apiLoad, engine, prefix, plan.seerLatencyMs),
      prefix,
      nextSeq: () => ++seq,
      gauges: {
        processes: backend.processes,
        actions: new ServerActions(backend.metricsUrls, backend.temporal.namespace),
        historyClient: engine.naiveClient,
      },
      seerControl: new FakeSeerControl(backend.seerUrl),
      profileDir,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
