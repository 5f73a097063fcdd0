// Everything a bench run drives, started and stopped together: the dev stack or the cluster
// (bench/backends.ts) with fairness and the Seer limiter on, two twin dev stacks that carry only
// the mirror rows compared for fairness (mirror_fairness_on, mirror_fairness_off), the bench's own
// workers and clients, the API load pools and the log.
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
import {
  ApiLoad,
  BenchEngine,
  PATHS,
  pathRunners,
  type PathName,
  type PathRunners,
  type TwinPath,
} from './paths';
import { FAIRNESS_ENV, FAIRNESS_VARIABLES, OVERLOAD_CONCURRENCY, type Plan } from './plan';
import { progress } from './progress';
import { ServerActions } from './server-actions';

/** A twin dev stack: its own server, API and worker, measured by one twin path only. */
export interface TwinStack {
  backend: BenchBackend;
  apiLoad: ApiLoad;
  /** Its processes, its server's action counter, and a client of its server for the histories. */
  gauges: Gauges;
  connection: Connection;
}

/**
 * The two twins fairness is measured on. Each carries nothing but its own mirror rows, so the two
 * servers hold the same history and do the same work: the main stack's server also keeps every
 * engine_floor and naive run, and in an A/A run its mirror rows drifted up to 10% below a twin's
 * as that history grew (server ms per run 10 → 15 over the rounds), which is why mirror itself is
 * not the row compared.
 */
export interface Twins {
  /** mirror_fairness_on: fairness and the limiter on (off with `--fairness-aa`). */
  on: TwinStack;
  /** mirror_fairness_off: both off. */
  off: TwinStack;
}

export interface Rig {
  backend: BenchBackend;
  engine: BenchEngine;
  apiLoad: ApiLoad;
  runners: PathRunners;
  /** The paths this run measures, in PATHS order (the twin paths when there are twins). */
  paths: PathName[];
  /** What a measurement of `path` runs and reads: a twin path's own stack's gauges. */
  lane(path: PathName): { run: RunOnce; gauges: Gauges };
  /** null on the cluster and with `--profile`. */
  twins: Twins | null;
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
  /** Every twin started (or starting): stopped with the rest, whatever happened. */
  const twinParts: { backend?: BenchBackend; apiLoad?: ApiLoad; connection?: Connection }[] = [];
  let engine: BenchEngine | undefined;
  let apiLoad: ApiLoad | undefined;
  let seer: SeerClient | undefined;
  let closed: Promise<void> | undefined;
  /**
   * Every step runs whatever the others did (a failed engine stop must not leave three stacks'
   * detached processes running); the first failure is thrown once all have run.
   */
  const close = () =>
    (closed ??= (async () => {
      const steps: Array<() => Promise<unknown> | undefined> = [
        () => apiLoad?.close(),
        ...twinParts.map((twin) => () => twin.apiLoad?.close()),
        () => engine?.stop(),
        ...twinParts.map((twin) => () => twin.connection?.close()),
        () => seer?.close(),
        ...twinParts.map((twin) => () => twin.backend?.stop()),
        () => backend?.stop(),
      ];
      const failures: unknown[] = [];
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          failures.push(err);
        }
      }
      await new Promise<void>((resolve) => log.end(resolve));
      if (failures.length) throw failures[0];
    })());
  process.once('SIGINT', () => {
    progress('interrupted: stopping the stack');
    void close().finally(() => process.exit(130));
  });
  /** One twin dev stack, after the main one (beside it, both would compile dist/ at once). */
  const startTwin = async (path: TwinPath, setting: 'on' | 'off'): Promise<TwinStack> => {
    const part: (typeof twinParts)[number] = {};
    twinParts.push(part);
    const twinDir = join(dir, path);
    mkdirSync(twinDir);
    const twinBackend = (part.backend = await startBackend('dev', {
      env: stackEnv(plan.seerLatencyMs, setting),
      dir: twinDir,
      onLine: (name, line) => log.write(`[${path}:${name}] ${line}\n`),
      ...(plan.tracing ? { tracing: true } : {}),
      ...(setting === 'off' ? { fairness: false } : {}),
    }));
    checkFairnessEnv(twinBackend, setting);
    const connection = (part.connection = await Connection.connect(
      twinBackend.temporal.connectionOptions,
    ));
    const twinApi = (part.apiLoad = new ApiLoad(twinBackend.apiUrls, OVERLOAD_CONCURRENCY + 64));
    return {
      backend: twinBackend,
      apiLoad: twinApi,
      connection,
      gauges: {
        processes: twinBackend.processes,
        actions: new ServerActions(twinBackend.metricsUrls, twinBackend.temporal.namespace),
        historyClient: new Client({ connection, namespace: twinBackend.temporal.namespace }),
      },
    };
  };

  const profileDir = plan.profile ? join(dir, 'api-profile') : null;
  if (profileDir) mkdirSync(profileDir);
  try {
    backend = await startBackend(plan.backend, {
      env: stackEnv(plan.seerLatencyMs, 'on'),
      dir,
      onLine: (name, line) => log.write(`[${name}] ${line}\n`),
      ...(plan.tracing ? { tracing: true } : {}),
      ...(profileDir ? { apiNodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    });
    checkFairnessEnv(backend, 'on');
    let twins: Twins | null = null;
    if (plan.fairnessTwins) {
      // `--fairness-aa`: both twins alike, fairness and the limiter off.
      const onSetting = plan.fairnessAa ? 'off' : 'on';
      progress(
        `starting the twin dev stacks: mirror_fairness_on (fairness and the limiter ${onSetting}), mirror_fairness_off (both off)`,
      );
      const on = await startTwin('mirror_fairness_on', onSetting);
      const off = await startTwin('mirror_fairness_off', 'off');
      checkServersDifferByFairness(on.backend, off.backend, onSetting);
      twins = { on, off };
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
    const runners = pathRunners(
      apiLoad,
      twins && { on: twins.on.apiLoad, off: twins.off.apiLoad },
      engine,
      prefix,
      plan.seerLatencyMs,
    );
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
        const twin =
          path === 'mirror_fairness_on' ? 'on' : path === 'mirror_fairness_off' ? 'off' : null;
        return { run, gauges: twin ? twins![twin].gauges : gauges };
      },
      twins,
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
 * The two twins' dev servers must differ by fairness alone, or the twin rows compare more than
 * fairness and the limiter: mirror_fairness_on's with FAIRNESS_FLAGS (startStack's default),
 * mirror_fairness_off's without them, every other dynamic setting alike; with `--fairness-aa`, by
 * nothing.
 */
function checkServersDifferByFairness(
  onTwin: BenchBackend,
  offTwin: BenchBackend,
  onSetting: 'on' | 'off',
): void {
  const on = dynamicConfigOf(onTwin.processes.temporal.pids[0]!);
  const off = dynamicConfigOf(offTwin.processes.temporal.pids[0]!);
  const rest = on.filter((flag) => !FAIRNESS_FLAGS.includes(flag));
  const alike = rest.length === off.length && rest.every((flag) => off.includes(flag));
  const onHas = FAIRNESS_FLAGS.every((flag) => on.includes(flag));
  const differBy = onSetting === 'on' ? FAIRNESS_FLAGS.join(', ') : 'nothing';
  if (!alike || onHas !== (onSetting === 'on')) {
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
