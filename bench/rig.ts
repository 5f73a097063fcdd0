// Everything a bench run drives, started and stopped together: the dev stack or the cluster
// (bench/backends.ts) with fairness and the Seer limiter on, its twin with both off
// (mirror_fairness_off), the bench's own workers and clients, the API load pools and the log.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { FakeSeerControl } from '../drills/fake-seer-control';
import { SeerClient } from '../src/seer/client';
import { FAIRNESS_FLAGS } from '../src/temporal/dev-server';
import { dynamicConfigOf, startBackend, type BenchBackend } from './backends';
import type { RunOnce } from './load';
import type { Gauges } from './measure';
import { ApiLoad, BenchEngine, PATHS, pathRunners, type PathName, type PathRunners } from './paths';
import { FAIRNESS_ENV, FAIRNESS_VARIABLES, OVERLOAD_CONCURRENCY, type Plan } from './plan';
import { progress } from './progress';
import { ServerActions } from './server-actions';

/** The twin dev stack of mirror_fairness_off: fairness and the limiter off, its own server. */
export interface TwinStack {
  backend: BenchBackend;
  apiLoad: ApiLoad;
  /** Its processes, its server's action counter, and a client of its server for the histories. */
  gauges: Gauges;
}

export interface Rig {
  backend: BenchBackend;
  engine: BenchEngine;
  apiLoad: ApiLoad;
  runners: PathRunners;
  /** The paths this run measures, in PATHS order (mirror_fairness_off when there is a twin). */
  paths: PathName[];
  /** What a measurement of `path` runs and reads: the twin stack's gauges for mirror_fairness_off. */
  lane(path: PathName): { run: RunOnce; gauges: Gauges };
  /** null on the cluster and with `--profile`. */
  twin: TwinStack | null;
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
function stackEnv(seerLatencyMs: number, fairness: 'on' | 'off'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('TEMPORAL_') || name === 'TEMPORAL_CLI_PATH',
    ),
  );
  delete env.SEER_URL;
  delete env.SEER_RUNS_API_TOKENS;
  delete env.NODE_ENV;
  for (const name of FAIRNESS_VARIABLES) delete env[name];
  return {
    ...env,
    // The API and every worker read them (startStack and startCluster pass the environment on).
    ...FAIRNESS_ENV[fairness],
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
  let twinBackend: BenchBackend | undefined;
  let twinApi: ApiLoad | undefined;
  let twinConnection: Connection | undefined;
  let engine: BenchEngine | undefined;
  let apiLoad: ApiLoad | undefined;
  let seer: SeerClient | undefined;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await apiLoad?.close();
      await twinApi?.close();
      await engine?.stop();
      await twinConnection?.close();
      await seer?.close();
      await twinBackend?.stop();
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
    // `--fairness-aa`: both stacks alike, fairness and the limiter off.
    const mainSetting = plan.fairnessAa ? 'off' : 'on';
    backend = await startBackend(plan.backend, {
      env: stackEnv(plan.seerLatencyMs, mainSetting),
      ...(plan.fairnessAa ? { fairness: false } : {}),
      dir,
      onLine: (name, line) => log.write(`[${name}] ${line}\n`),
      ...(plan.tracing ? { tracing: true } : {}),
      ...(profileDir ? { apiNodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    });
    checkFairnessEnv(backend, mainSetting);
    let twin: TwinStack | null = null;
    if (plan.fairnessOff) {
      // After the main stack, not beside it: both would compile dist/ when a source is newer.
      progress('starting the twin dev stack, fairness and the limiter off (mirror_fairness_off)');
      const twinDir = join(dir, 'fairness-off');
      mkdirSync(twinDir);
      twinBackend = await startBackend('dev', {
        env: stackEnv(plan.seerLatencyMs, 'off'),
        dir: twinDir,
        onLine: (name, line) => log.write(`[off:${name}] ${line}\n`),
        ...(plan.tracing ? { tracing: true } : {}),
        fairness: false,
      });
      checkServersDifferByFairness(backend, twinBackend, mainSetting);
      checkFairnessEnv(twinBackend, 'off');
      twinConnection = await Connection.connect(twinBackend.temporal.connectionOptions);
      twinApi = new ApiLoad(twinBackend.apiUrls, OVERLOAD_CONCURRENCY + 64);
      twin = {
        backend: twinBackend,
        apiLoad: twinApi,
        gauges: {
          processes: twinBackend.processes,
          actions: new ServerActions(twinBackend.metricsUrls, twinBackend.temporal.namespace),
          historyClient: new Client({
            connection: twinConnection,
            namespace: twinBackend.temporal.namespace,
          }),
        },
      };
    }
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
    const runners = pathRunners(apiLoad, twin?.apiLoad ?? null, engine, prefix, plan.seerLatencyMs);
    const gauges: Gauges = {
      processes: backend.processes,
      actions: new ServerActions(backend.metricsUrls, backend.temporal.namespace),
      historyClient: engine.naiveClient,
    };
    const paths = PATHS.filter((path) => runners[path] !== undefined);
    return {
      backend,
      engine,
      apiLoad,
      runners,
      paths,
      lane: (path) => {
        const run = runners[path];
        if (!run) throw new Error(`this bench run has no ${path} path`);
        return { run, gauges: path === 'mirror_fairness_off' ? twin!.gauges : gauges };
      },
      twin,
      prefix,
      nextSeq: () => ++seq,
      gauges,
      seerControl: new FakeSeerControl(backend.seerUrl),
      profileDir,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The two dev servers must differ by fairness alone, or mirror_fairness_off compares more than
 * fairness and the limiter: the main one with FAIRNESS_FLAGS (startStack's default), the twin
 * without them, every other dynamic setting alike; with `--fairness-aa`, by nothing.
 */
function checkServersDifferByFairness(
  main: BenchBackend,
  twin: BenchBackend,
  mainSetting: 'on' | 'off',
): void {
  const on = dynamicConfigOf(main.processes.temporal.pids[0]!);
  const off = dynamicConfigOf(twin.processes.temporal.pids[0]!);
  const rest = on.filter((flag) => !FAIRNESS_FLAGS.includes(flag));
  const alike = rest.length === off.length && rest.every((flag) => off.includes(flag));
  const mainHas = FAIRNESS_FLAGS.every((flag) => on.includes(flag));
  const differBy = mainSetting === 'on' ? FAIRNESS_FLAGS.join(', ') : 'nothing';
  if (!alike || mainHas !== (mainSetting === 'on')) {
    throw new Error(
      `the two dev servers must differ by ${differBy}: [${on.join(', ')}] vs [${off.join(', ')}]`,
    );
  }
}

/**
 * Every API and worker process of a stack must have started with FAIRNESS_ENV[setting] and no
 * other fairness variable: read from /proc/<pid>/environ, what the process really got.
 */
function checkFairnessEnv(backend: BenchBackend, setting: 'on' | 'off'): void {
  const expected: Record<string, string> = FAIRNESS_ENV[setting];
  for (const pid of [...backend.processes.api.pids, ...backend.processes.worker.pids]) {
    const environ = new Map(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
    for (const name of FAIRNESS_VARIABLES) {
      if (environ.get(name) !== expected[name]) {
        throw new Error(
          `process ${pid} of the fairness-${setting} stack started with ${name}=${environ.get(name) ?? '(unset)'}, expected ${expected[name] ?? '(unset)'}`,
        );
      }
    }
  }
}
