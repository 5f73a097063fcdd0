// The stack the drills break: a dev server on a SQLite file (restartable on the same port and
// file), worker processes, the API process and the fake Seer process, with handles to kill each.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer, type DevServer } from '../src/temporal/dev-server';
import {
  httpOk,
  portAccepts,
  spawnEntry,
  waitUntil,
  type ManagedProcess,
} from '../src/stack/processes';
import type { FakeFault, FakeRun, FakeSeerConfig, RecordedRequest } from '../src/fake-seer/server';

const ROOT = join(__dirname, '..');
export const DRILL_TOKEN = 'drill-token-0123456789';
const SECRET = 'drill-secret';

export interface DrillStackOptions {
  seerLatencyMs?: number;
  syncWaitTimeoutMs?: number;
  seerRequestTimeoutMs?: number;
  /** Prebundled workflow code (tests pass the suite's bundle); bundled per worker when absent. */
  workflowBundlePath?: string;
  cliPath?: string;
}

export class DrillStack {
  readonly dir = mkdtempSync(join(tmpdir(), 'seer-runs-drill-'));
  readonly #log: WriteStream = createWriteStream(join(this.dir, 'stack.log'));
  readonly #workers: ManagedProcess[] = [];
  #server: DevServer | undefined;
  #api: ManagedProcess | undefined;
  #seer: ManagedProcess | undefined;
  #temporalPort = 0;
  #apiPort = 0;
  #seerPort = 0;
  #cliPath = '';

  private constructor(readonly options: DrillStackOptions) {}

  static async start(options: DrillStackOptions = {}): Promise<DrillStack> {
    const stack = new DrillStack(options);
    try {
      await stack.#start();
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.#apiPort}`;
  }
  get seerUrl(): string {
    return `http://127.0.0.1:${this.#seerPort}`;
  }
  get temporalAddress(): string {
    return `127.0.0.1:${this.#temporalPort}`;
  }
  get logFile(): string {
    return join(this.dir, 'stack.log');
  }

  async #start(): Promise<void> {
    this.#cliPath =
      this.options.cliPath ??
      execFileSync('bash', [join(ROOT, 'scripts/temporal-cli.sh')], { encoding: 'utf8' }).trim();
    [this.#temporalPort, this.#apiPort, this.#seerPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
    ]);
    await this.startServer();
    this.#seer = this.#spawn('fake-seer', 'src/fake-seer/main.ts', {
      FAKE_SEER_PORT: String(this.#seerPort),
      FAKE_SEER_CONTROL: '1',
      FAKE_SEER_LATENCY_MS: String(this.options.seerLatencyMs ?? 0),
    });
    await waitUntil('fake Seer', () => portAccepts(this.#seerPort), {
      timeoutMs: 30_000,
      process: this.#seer,
    });
    await this.startWorker();
    this.#api = this.#spawn('api', 'src/api/main.ts', { PORT: String(this.#apiPort) });
    await waitUntil('API', () => httpOk(`${this.apiUrl}/readyz`), {
      timeoutMs: 60_000,
      process: this.#api,
    });
  }

  #env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'seer-runs-drills',
      SEER_URL: this.seerUrl,
      SEER_SHARED_SECRET: SECRET,
      SEER_RUNS_API_TOKENS: JSON.stringify({ [DRILL_TOKEN]: '*' }),
      SEER_RUN_MIRROR_ORGS: '*',
      SYNC_WAIT_TIMEOUT_MS: String(this.options.syncWaitTimeoutMs ?? 5_000),
      SEER_REQUEST_TIMEOUT_MS: String(this.options.seerRequestTimeoutMs ?? 3_000),
      WORKER_SHUTDOWN_GRACE_MS: '5000',
      ...(this.options.workflowBundlePath
        ? { WORKFLOW_BUNDLE_PATH: this.options.workflowBundlePath }
        : {}),
    };
  }

  #spawn(name: string, entry: string, env: NodeJS.ProcessEnv): ManagedProcess {
    return spawnEntry(name, join(ROOT, entry), { ...this.#env(), ...env }, (line) =>
      this.#log.write(`[${name}] ${line}\n`),
    );
  }

  /** Starts (or restarts) the dev server on the same port and SQLite file. */
  async startServer(): Promise<void> {
    this.#server = await startDevServer({
      cliPath: this.#cliPath,
      port: this.#temporalPort,
      dbFile: join(this.dir, 'temporal.sqlite'),
      retentionMs: 7 * 86_400_000,
      onLine: (line) => this.#log.write(`[temporal] ${line}\n`),
    });
  }

  async killServer(): Promise<void> {
    await this.#server?.stop('SIGKILL');
    this.#server = undefined;
  }

  async startWorker(): Promise<void> {
    let started = false;
    const name = `worker-${this.#workers.length}`;
    const worker = spawnEntry(
      name,
      join(ROOT, 'src/worker.ts'),
      { ...this.#env(), WORKER_METRICS_PORT: String(await freePort()) },
      (line) => {
        started ||= line.includes('worker started');
        this.#log.write(`[${name}] ${line}\n`);
      },
    );
    this.#workers.push(worker);
    await waitUntil('worker', () => Promise.resolve(started), {
      timeoutMs: 60_000,
      process: worker,
    });
  }

  /** Kills every running worker with `signal` and waits for them to exit. */
  async killWorkers(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(
      this.#workers.map(async (w) => {
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill(signal);
        await w.exited;
      }),
    );
  }

  async seer<T>(method: 'GET' | 'POST', action: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.seerUrl}/__control/${action}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`fake Seer control ${action}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
  configureSeer = (config: Partial<FakeSeerConfig>) =>
    this.seer<FakeSeerConfig>('POST', 'config', config);
  queueFaults = (route: string, faults: FakeFault[]) =>
    this.seer('POST', 'faults', { route, faults });
  seerRequests = async () =>
    (await this.seer<{ requests: RecordedRequest[] }>('GET', 'requests')).requests;
  seerRuns = async () => (await this.seer<{ runs: FakeRun[] }>('GET', 'runs')).runs;
  resetSeer = () => this.seer('POST', 'reset');

  async close(): Promise<void> {
    await this.#api?.stop(10_000);
    for (const worker of this.#workers) await worker.stop(10_000);
    await this.#seer?.stop(5_000);
    await this.#server?.stop();
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }
}
