// Child processes of the local stack: spawned with prefixed, line-by-line output, awaited until
// ready, and each held by a handle that can kill, restart and wait for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

/** How a process ended: its exit code, or the name of the signal that ended it. */
export type ExitStatus = number | string | null;

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<ExitStatus>;
}

export function prefixer(name: string): (line: string) => void {
  const tag = `[${name}]`.padEnd(12);
  return (line) => process.stdout.write(`${tag} ${line}\n`);
}

/**
 * The Node options every seer-runs process runs with, here and in the image (the Dockerfile's
 * `ENV NODE_OPTIONS`; a test keeps them equal). `--max-semi-space-size=4` (MB; V8's default is 16
 * on 64-bit): a short run's garbage is young, and a smaller young generation is collected sooner.
 * Measured on the API with its embedded worker at c=64: peak RSS 420 → 324 MB at the same CPU
 * per run and throughput (bench/README.md, "Changes and their effect").
 */
export const NODE_RUNTIME_OPTIONS = '--max-semi-space-size=4';

/** `env` with NODE_RUNTIME_OPTIONS added to whatever NODE_OPTIONS it already has. */
export function withNodeRuntimeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const current = env.NODE_OPTIONS?.trim();
  if (current?.split(/\s+/).includes(NODE_RUNTIME_OPTIONS)) return env;
  return {
    ...env,
    NODE_OPTIONS: current ? `${current} ${NODE_RUNTIME_OPTIONS}` : NODE_RUNTIME_OPTIONS,
  };
}

/** Runs a TypeScript entry point of this project under tsx; each output line goes to `onLine`. */
export function spawnEntry(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void = prefixer(name),
  nodeArgs: readonly string[] = [],
): ManagedProcess {
  return spawnCommand(name, process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    env,
    onLine,
  });
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
  cwd?: string;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
}

/** Runs any program (a compiled entry point, a server binary); each output line goes to `onLine`. */
export function spawnCommand(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): ManagedProcess {
  const onLine = options.onLine ?? prefixer(name);
  // Its own process group: a terminal's Ctrl-C reaches the stack, which stops its children in
  // order (API first, Temporal last) instead of all of them at once.
  const child = spawn(command, args, {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', onLine);
  }
  running.add(child);
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal);
    }),
  );
  return { name, child, exited };
}

// If our process exits without stopping a child (a crash, process.exit), take it along. One
// listener for all of them: a cluster has more children than Node's listener warning allows.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** What the handle needs of one run of a process. */
export interface Incarnation {
  pid: number | undefined;
  exited: Promise<ExitStatus>;
  isRunning(): boolean;
  signal(signal: NodeJS.Signals): void;
}

export function incarnationOf(child: ChildProcess, exited: Promise<ExitStatus>): Incarnation {
  return {
    pid: child.pid,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    signal: (signal) => child.kill(signal),
  };
}

export interface ProcessRecipe {
  /** Starts one run of the process; it must be killable as soon as this resolves. */
  launch(): Promise<Incarnation>;
  /** Resolves once that run serves; rejects if it exits first or takes too long. */
  ready(incarnation: Incarnation): Promise<void>;
  /** After `stopSignal`, how long it may take to exit before SIGKILL. */
  graceMs: number;
  /** What asks it to stop; default SIGTERM (PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
}

/**
 * One process of the stack across its restarts. `stop()` is final: the stack is going down, and
 * a start in progress or asked for later fails instead of leaving a process behind.
 */
export class StackProcess {
  #current: Incarnation | undefined;
  #stopped = false;

  constructor(
    readonly name: string,
    private readonly recipe: ProcessRecipe,
  ) {}

  /** The pid of the current run. */
  get pid(): number | undefined {
    return this.#current?.pid;
  }

  get running(): boolean {
    return this.#current?.isRunning() ?? false;
  }

  /** Resolves when the current run ends, however it ends. */
  get exited(): Promise<ExitStatus> {
    return this.#current?.exited ?? Promise.resolve(null);
  }

  /** Starts the process and resolves once it is ready. */
  async start(): Promise<void> {
    this.#refuseIfStopped();
    const incarnation = await this.recipe.launch();
    this.#current = incarnation;
    // A stop that came while the launch was under way did not see this run.
    if (this.#stopped) await this.#terminate(incarnation);
    this.#refuseIfStopped();
    await this.recipe.ready(incarnation);
  }

  /** Sends `signal` (SIGKILL: a crash) and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    const incarnation = this.#current;
    if (!incarnation) return null;
    if (incarnation.isRunning()) incarnation.signal(signal);
    return incarnation.exited;
  }

  /** Stops the process if it runs (as `stop` does, but not for good), then starts it again. */
  async restart(): Promise<void> {
    if (this.#current) await this.#terminate(this.#current);
    await this.start();
  }

  /** SIGTERM (or the recipe's stop signal), then SIGKILL once the grace period is over. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#current) await this.#terminate(this.#current);
  }

  async #terminate(incarnation: Incarnation): Promise<void> {
    if (!incarnation.isRunning()) return void (await incarnation.exited);
    incarnation.signal(this.recipe.stopSignal ?? 'SIGTERM');
    const timer = setTimeout(() => incarnation.signal('SIGKILL'), this.recipe.graceMs);
    await incarnation.exited;
    clearTimeout(timer);
  }

  #refuseIfStopped(): void {
    if (this.#stopped) throw new Error(`${this.name}: the stack was stopped during start-up`);
  }
}

/** Polls until `probe` resolves true, the process dies, or the deadline passes. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; process?: Incarnation },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    const running = options.process;
    if (running && !running.isRunning()) {
      throw new Error(`${what}: the process exited (${String(await running.exited)})`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${options.timeoutMs / 1000} s`);
}

export function portAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.ok;
}
