// The compiled entry points the image runs, read from the Dockerfile's CMD (the worker) and from
// docker-compose.yml's `command` of its api service, so the cluster cannot drift from the image.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface EntryPoints {
  /** The worker: argv after `node`, e.g. `['dist/src/worker.js']`. */
  worker: string[];
  api: string[];
}

function nodeArgs(argv: unknown, where: string): string[] {
  if (
    !Array.isArray(argv) ||
    argv[0] !== 'node' ||
    argv.length < 2 ||
    !argv.every((a) => typeof a === 'string')
  ) {
    throw new Error(`${where}: expected an exec-form ["node", "<entry>.js", ...] command`);
  }
  return argv.slice(1);
}

/** The last CMD (or ENTRYPOINT) of the Dockerfile's final stage, in exec form. */
export function dockerfileCommand(dockerfile: string): unknown {
  const lines = dockerfile.split('\n').filter((line) => /^\s*(CMD|ENTRYPOINT)\s/i.test(line));
  const last = lines.at(-1);
  if (!last) return undefined;
  try {
    return JSON.parse(last.replace(/^\s*\w+\s+/, '')) as unknown;
  } catch {
    return undefined;
  }
}

export function readEntryPoints(root: string): EntryPoints {
  const worker = nodeArgs(
    dockerfileCommand(readFileSync(join(root, 'Dockerfile'), 'utf8')),
    'Dockerfile CMD',
  );
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    services?: Record<string, { command?: unknown }>;
  };
  const api = nodeArgs(compose.services?.api?.command, 'docker-compose.yml services.api.command');
  return { worker, api };
}
