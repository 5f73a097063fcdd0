// Starts the real Temporal dev server (`temporal server start-dev`) as a child process: the one
// way tests, `npm start`, drills and the bench get a server, with the same flags everywhere.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS } from '../domain';

const execFileAsync = promisify(execFile);

/**
 * At the defaults every task hop waits ~50 ms: the history service's queue readers are
 * rate-limited to 20 polls/s per shard. Raising them took a one-activity workflow from
 * 150 ms to 24 ms at p50 on a 2-core box.
 */
export const LATENCY_FLAGS = [
  'history.transferProcessorMaxPollRPS=10000',
  'history.timerProcessorMaxPollRPS=10000',
  'history.visibilityProcessorMaxPollRPS=10000',
];

/**
 * Task-queue fairness (server 1.29.1, `matching.enableFairness`, which implies the new matcher):
 * matching dispatches each fairness key's tasks in proportion to its weight, and our starts key
 * them by organization (src/temporal/runs.ts). The cluster's dynamic config sets the same.
 */
export const FAIRNESS_FLAGS = ['matching.enableFairness=true'];

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file (WAL, survives SIGKILL and restart); in-memory when omitted. */
  dbFile?: string;
  ip?: string;
  /** 0 or omitted = a free port. */
  port?: number;
  /** Web UI port; omitted = headless. */
  uiPort?: number;
  namespace?: string;
  retentionMs?: number;
  /** Where the server's own log goes; discarded when omitted (unless `onLine` takes it). */
  logFile?: string;
  /** Receives each line the server prints (the local stack streams them, prefixed). */
  onLine?: (line: string) => void;
  extraArgs?: string[];
  /** FAIRNESS_FLAGS on (the default); off for the bench's rows without fairness. */
  fairness?: boolean;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  /** The server's own Prometheus metrics (`--metrics-port`), e.g. the `action` counter. */
  metricsUrl: string;
  version: string;
  process: ChildProcess;
  /** Resolves with the exit code (or signal) when the server process ends, for whatever reason. */
  exited: Promise<number | string | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const PORT_RANGE = { first: 20_000, last: 31_999 };
/** Ports drawn by any process on this machine, a file each, so no two processes draw one port. */
const RESERVATIONS = join(tmpdir(), 'seer-runs-ports');
/** A port drawn this long ago may be drawn again (its caller bound it, or never will). */
const RESERVED_FOR_MS = 30 * 60_000;

/**
 * Claims `port` for this process unless another draw (this process's or any other's) holds it:
 * O_EXCL creation is atomic across processes. A claim older than RESERVED_FOR_MS is taken over.
 */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let age: number;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue; // gone meanwhile: try to create it again
      }
      if (age < RESERVED_FOR_MS) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/**
 * A free port in 20000-31999: below the kernel's ephemeral range (32768 and up), so an outgoing
 * connection can't take it between this check and the bind (a port the kernel hands out for
 * listen(0) is one of those), and below 32768, which Temporal's SQL schema needs (its membership
 * table keeps ports in a smallint). A free port stays free until its caller binds it, so a port
 * is drawn once: each draw is claimed in a file under the temp directory (any process on the
 * machine: a test, the two Jest workers, the stacks they spawn), and a claim holds for 30 min. A
 * CI run once gave one port to two of a cluster's services (two draws before either bound it).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const size = PORT_RANGE.last - PORT_RANGE.first + 1;
  for (let tries = 0; tries < 500; tries++) {
    const port = PORT_RANGE.first + Math.floor(Math.random() * size);
    if (!reserve(port)) continue;
    if (await canListen(host, port)) return port;
  }
  throw new Error(`no free port in ${PORT_RANGE.first}-${PORT_RANGE.last} on ${host}`);
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function cliVersion(cliPath: string): Promise<string> {
  const { stdout } = await execFileAsync(cliPath, ['--version']);
  return stdout.trim();
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port || (await freePort(ip));
  const namespace = options.namespace ?? 'default';
  const address = `${ip}:${port}`;
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'warn'];
  const metricsPort = await freePort(ip);
  args.push('--http-port', String(await freePort(ip)), '--metrics-port', String(metricsPort));
  if (options.uiPort !== undefined)
    args.push('--ui-port', String(options.uiPort || (await freePort(ip))));
  else args.push('--headless');
  if (options.dbFile)
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=wal');
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const flag of SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', flag);
  for (const flag of LATENCY_FLAGS) args.push('--dynamic-config-value', flag);
  if (options.fairness ?? true) {
    for (const flag of FAIRNESS_FLAGS) args.push('--dynamic-config-value', flag);
  }
  args.push(...(options.extraArgs ?? []));

  const logFd = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const out = options.onLine ? 'pipe' : logFd;
  // Its own process group: a terminal's Ctrl-C reaches whoever started it, who stops it in order.
  const child = spawn(options.cliPath, args, { stdio: ['ignore', out, out], detached: true });
  if (typeof logFd === 'number') closeSync(logFd);
  if (options.onLine) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', options.onLine);
    }
  }
  // If our process exits without stopping the server (a crash, process.exit), take it along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve(code ?? signal);
    }),
  );

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    // A server that ignores or stalls on SIGTERM must not hold up whoever is stopping it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(address, child, 60_000);
    if (options.dbFile) await registerMissingSearchAttributes(options.cliPath, address, namespace);
    if (options.retentionMs !== undefined) {
      await setRetention(options.cliPath, address, namespace, options.retentionMs);
    }
  } catch (err) {
    await stop('SIGKILL');
    const log = options.logFile ? `\n${tail(options.logFile)}` : '';
    throw new Error(`Temporal dev server did not start: ${(err as Error).message}${log}`);
  }
  const uiPortIndex = args.indexOf('--ui-port');
  return {
    address,
    namespace,
    uiUrl: uiPortIndex >= 0 ? `http://${ip}:${args[uiPortIndex + 1]}` : null,
    metricsUrl: `http://${ip}:${metricsPort}/metrics`,
    version: await cliVersion(options.cliPath),
    process: child,
    exited,
    stop,
  };
}

async function waitUntilServing(
  address: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server process exited (${child.exitCode ?? child.signalCode})`);
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await connection?.close();
    }
  }
  throw new Error(`not serving on ${address} after ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * `--search-attribute` registers attributes only when the dev server creates its database: one
 * kept from an older version lacks the attributes added since (SeerRunAttempts), and a run's
 * upsert of one would fail its workflow task. Registers what is missing, as register-namespace.sh
 * does on the cluster.
 */
async function registerMissingSearchAttributes(
  cliPath: string,
  address: string,
  namespace: string,
): Promise<void> {
  const where = ['--address', address, '--namespace', namespace];
  const { stdout } = await execFileAsync(cliPath, [
    'operator',
    'search-attribute',
    'list',
    ...where,
    '-o',
    'json',
  ]);
  const listed = JSON.parse(stdout) as { customAttributes?: Record<string, unknown> };
  for (const flag of SEARCH_ATTRIBUTE_FLAGS) {
    const [name, type] = flag.split('=') as [string, string];
    if (listed.customAttributes && name in listed.customAttributes) continue;
    await execFileAsync(cliPath, [
      'operator',
      'search-attribute',
      'create',
      ...where,
      '--name',
      name,
      '--type',
      type,
    ]);
  }
}

async function setRetention(
  cliPath: string,
  address: string,
  namespace: string,
  retentionMs: number,
) {
  const hours = Math.max(24, Math.ceil(retentionMs / 3_600_000));
  await execFileAsync(cliPath, [
    'operator',
    'namespace',
    'update',
    '--address',
    address,
    '--namespace',
    namespace,
    '--retention',
    `${hours}h`,
  ]);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
