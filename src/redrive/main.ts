// Entry point of `npm run redrive` (compiled: node dist/src/redrive/main.js); cli.ts does the work.
import { runRedriveCli } from './cli';
import { oneLine } from './redrive';

runRedriveCli(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`redrive: ${oneLine(err)}\n`);
    process.exitCode = 1;
  },
);
