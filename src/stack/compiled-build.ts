// The compiled build the image runs (dist/, tsconfig.build.json) and its workflow bundle, made
// here when a source is newer than them: the cluster and `startStack({ build: 'compiled' })`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Where the compiled build puts a source entry point: `src/worker.ts` → `dist/src/worker.js`. */
export function compiledEntry(source: string): string {
  return join('dist', source.replace(/\.ts$/, '.js'));
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

function mtimeOr0(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function runNode(args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    }
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${args.join(' ')} failed: ${output.trim().split('\n').at(-1)}`)),
    );
  });
}

/**
 * `npm run compile` when a source is newer than any of `entries` (paths under the project, e.g.
 * `dist/src/worker.js`), then the workflow bundle at `bundlePath` as the image builds it.
 */
export async function compiledBuild(
  bundlePath: string,
  entries: string[],
  say: (line: string) => void,
): Promise<void> {
  const sources = Math.max(
    ...['src', 'workflows', 'activities'].map((dir) => newestMtime(join(ROOT, dir))),
    mtimeOr0(join(ROOT, 'tsconfig.build.json')),
  );
  const built = Math.min(...entries.map((entry) => mtimeOr0(join(ROOT, entry))));
  if (built < sources) {
    say('compiling (npm run compile)...');
    await runNode([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
  }
  if (mtimeOr0(bundlePath) < Math.max(sources, built)) {
    await runNode([join(ROOT, 'dist/src/temporal/prebundle.js'), bundlePath]);
  }
}
