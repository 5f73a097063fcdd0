// Everything a bench run drives, started and stopped together: the stack through `startStack`
// (as `npm start` runs it), the bench's own workers and clients, the API load pool and the log.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { SeerClient } from '../src/seer/client';
import { startStack, type Stack } from '../src/stack/stack';
import { freePort } from '../src/temporal/dev-server';
import type { RunOnce } from './load';
import { ApiLoad, BenchEngine, pathRunners, type PathName } from './paths';
import { OVERLOAD_CONCURRENCY, type Plan } from './plan';
import type { MeasuredPids } from './measure';
import { progress } from './progress';

export interface Rig {
  stack: Stack;
  engine: BenchEngine;
  apiLoad: ApiLoad;
  runners: Record<PathName, RunOnce>;
  /** Keeps run ids and Idempotency-Keys apart from any earlier bench on the same server. */
  prefix: string;
  /** Unique across every measurement of the run. */
  nextSeq: () => number;
  pids: MeasuredPids;
  close(): Promise<void>;
}

/**
 * The stack's environment: this one's, minus anything that would point it elsewhere (another
 * Temporal, a real Seer, production tokens), plus the bench's own settings.
 */
function stackEnv(ports: { api: number; workerMetrics: number }, seerLatencyMs: number) {
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
    PORT: String(ports.api),
    WORKER_METRICS_PORT: String(ports.workerMetrics),
    FAKE_SEER_LATENCY_MS: String(seerLatencyMs),
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
  const [temporal, fakeSeer, api, workerMetrics] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  progress(`starting the stack (logs: ${logFile})`);

  let stack: Stack | undefined;
  let engine: BenchEngine | undefined;
  let apiLoad: ApiLoad | undefined;
  let seer: SeerClient | undefined;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await apiLoad?.close();
      await engine?.stop();
      await seer?.close();
      await stack?.stop();
      await new Promise<void>((resolve) => log.end(resolve));
    })());
  process.once('SIGINT', () => {
    progress('interrupted: stopping the stack');
    void close().finally(() => process.exit(130));
  });

  try {
    stack = await startStack({
      env: stackEnv({ api, workerMetrics }, plan.seerLatencyMs),
      dataDir: dir,
      storage: 'memory',
      ports: { temporal, ui: null, fakeSeer, codec: null },
      onLine: (name, line) => log.write(`[${name}] ${line}\n`),
    });
    const pid = (name: 'temporal' | 'api' | 'worker' | 'fake-seer') => {
      const found = stack?.processes[name]?.pid;
      if (found === undefined) throw new Error(`the stack has no ${name} process`);
      return found;
    };
    const pids: MeasuredPids = {
      temporal: pid('temporal'),
      api: pid('api'),
      worker: pid('worker'),
      seer: pid('fake-seer'),
      bench: process.pid,
    };
    seer = new SeerClient({
      baseUrl: stack.seerUrl,
      sharedSecret: stack.config.seer.sharedSecret,
      requestTimeoutMs: stack.config.seer.requestTimeoutMs,
    });
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      logger: sdkLogger,
    });
    engine = await BenchEngine.start({
      address: stack.temporalAddress,
      namespace: stack.config.temporal.namespace,
      bundle,
      seer,
    });
    apiLoad = new ApiLoad(stack.apiUrl, OVERLOAD_CONCURRENCY + 64);
    const prefix = `bench-${randomBytes(4).toString('hex')}`;
    let seq = 0;
    return {
      stack,
      engine,
      apiLoad,
      runners: pathRunners(apiLoad, engine, prefix, plan.seerLatencyMs),
      prefix,
      nextSeq: () => ++seq,
      pids,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
