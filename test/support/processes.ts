// Runs the project's entry points as real processes for end-to-end tests, with their output
// kept for the failure message and a stop that never leaves an orphan behind.
import type { ChildProcess } from 'node:child_process';
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
