// Runs the project's entry points as real processes for end-to-end tests, with their output
// kept for the failure message and a stop that never leaves an orphan behind.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawnEntry } from '../../src/stack/processes';

const ROOT = join(__dirname, '../..');

export interface EntryProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The stack's own spawner, with every output line kept for assertions. */
export function startEntry(entry: string, env: NodeJS.ProcessEnv): EntryProcess {
  let output = '';
  const { child } = spawnEntry(
    entry,
    join(ROOT, entry),
    { ...process.env, LOG_LEVEL: 'info', ...env },
    (line) => {
      output += `${line}\n`;
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resolves once `predicate` holds, polling every 50 ms; rejects with `what` after the timeout. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs a TypeScript entry point of this project to its end (one that stops at start, e.g. on bad
 * configuration) and returns its exit status and what it wrote to stderr.
 */
export function runToExit(
  entry: string,
  env: NodeJS.ProcessEnv,
): { status: number | null; stderr: string } {
  try {
    execFileSync(process.execPath, ['--import', 'tsx', entry], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    return { status: 0, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stderr: string };
    return { status: e.status, stderr: e.stderr };
  }
}
