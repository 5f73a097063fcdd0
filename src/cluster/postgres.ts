// The cluster's PostgreSQL: Debian's binaries running a data directory of our own (initdb once,
// then `postgres` as a child process), or an existing server named by TEMPORAL_DB_*.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { incarnationOf, spawnCommand, type ProcessRecipe } from '../stack/processes';

const execFileAsync = promisify(execFile);

export interface Database {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` user Debian creates. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'PostgreSQL cannot run as root and there is no `postgres` user: create one (useradd postgres) or run as another user',
    );
  }
}

/**
 * The postgres user must reach its directory: the cluster's own directories (this one and the
 * data directory holding it) open to traversal, no more; an ancestor that is closed is named.
 */
function reachableByOthers(dir: string): void {
  for (const own of [dirname(dir), dir]) chmodSync(own, statSync(own).mode | 0o011);
  for (let up = dirname(dirname(dir)); ; up = dirname(up)) {
    if ((statSync(up).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the postgres user, which cannot enter ${up}: choose a data directory elsewhere (e.g. under /tmp) or chmod o+x ${up}`,
      );
    }
    if (up === dirname(up)) return;
  }
}

export interface LocalPostgres {
  database: Database;
  recipe: ProcessRecipe;
}

/** A local PostgreSQL in `dir` (created on first use), serving 127.0.0.1:`port` only. */
export function localPostgres(options: {
  pgBin: string;
  dir: string;
  port: number;
  onLine: (line: string) => void;
}): LocalPostgres {
  const { pgBin, dir, port } = options;
  const user = runAs();
  const data = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(passwordFile)) {
    writeFileSync(passwordFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  if (!existsSync(join(data, 'PG_VERSION'))) {
    mkdirSync(data, { recursive: true, mode: 0o700 });
    // initdb reads the password from a file it can open as its own user.
    const initPassword = join(dir, 'initdb-password');
    writeFileSync(initPassword, `${password}\n`, { mode: 0o600 });
    if (user) {
      reachableByOthers(dir);
      chownSync(data, user.uid, user.gid);
      chownSync(initPassword, user.uid, user.gid);
    }
    try {
      execFileSync(
        join(pgBin, 'initdb'),
        [
          '-D',
          data,
          '-U',
          'temporal',
          '--auth=scram-sha-256',
          `--pwfile=${initPassword}`,
          '-E',
          'UTF8',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], ...(user ?? {}) },
      );
    } finally {
      rmSync(initPassword, { force: true });
    }
  }
  const recipe: ProcessRecipe = {
    launch: () => {
      const { child, exited } = spawnCommand(
        'postgres',
        join(pgBin, 'postgres'),
        ['-D', data, '-p', String(port), '-k', data, '-c', 'listen_addresses=127.0.0.1'],
        { env: { ...process.env, LC_ALL: 'C' }, onLine: options.onLine, ...(user ?? {}) },
      );
      return Promise.resolve(incarnationOf(child, exited));
    },
    ready: async (incarnation) => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (!incarnation.isRunning()) {
          throw new Error(`postgres: the process exited (${String(await incarnation.exited)})`);
        }
        if (await pgIsReady(pgBin, '127.0.0.1', port)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('postgres: not accepting connections after 30 s');
    },
    // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
    stopSignal: 'SIGINT',
    graceMs: 20_000,
  };
  return { database: { host: '127.0.0.1', port, user: 'temporal', password }, recipe };
}

async function pgIsReady(pgBin: string, host: string, port: number): Promise<boolean> {
  try {
    await execFileAsync(join(pgBin, 'pg_isready'), ['-q', '-h', host, '-p', String(port)]);
    return true;
  } catch {
    return false;
  }
}

function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** An external PostgreSQL may still be starting: wait for it, saying what for, up to a bound. */
export async function waitForDatabase(
  db: Database,
  timeoutMs: number,
  say: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  while (!(await tcpAccepts(db.host, db.port))) {
    if (Date.now() >= deadline) {
      throw new Error(
        `PostgreSQL at ${db.host}:${db.port} (TEMPORAL_DB_HOST/TEMPORAL_DB_PORT) did not accept connections within ${timeoutMs / 1000} s: start it, or unset TEMPORAL_DB_HOST to let the cluster run its own`,
      );
    }
    if (!said) {
      say(`waiting up to ${timeoutMs / 1000} s for PostgreSQL at ${db.host}:${db.port}...`);
      said = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
