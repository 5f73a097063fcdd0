// Entry point of `npx seer-runs` (bin/seer-runs runs this file, or dist/src/cli/main.js): the
// process around cli.ts. Whatever happens, one line and an exit code, never a stack trace.
import { text } from 'node:stream/consumers';
import { runCli } from './cli';
import { ExitCode } from './exit-codes';

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());

runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  readStdin: () => text(process.stdin),
  signal: interrupt.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`seer-runs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = ExitCode.apiError;
  },
);
