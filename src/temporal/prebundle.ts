// Bundles the workflow code ahead of time (`node dist/src/temporal/prebundle.js <out.js>`): the
// Docker image builds it once, so workers start without webpack (set WORKFLOW_BUNDLE_PATH). The
// command writes two bundles: `<out.js>`, and `<out>.tracing.js` with Temporal's OpenTelemetry
// workflow interceptors, which a worker loads instead when tracing is on (tracingBundlePath).
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../tracing/tracing';
import { ENCODED_FAILURE_CONVERTER_PATH } from './codec';
import { tracingBundlePath, WORKFLOWS_PATH } from './worker';

export async function prebundle(
  outPath: string,
  options: { quiet?: boolean; tracing?: boolean } = {},
): Promise<number> {
  // The bundle fixes the workflow side's failure converter: the encoded one, so that a worker with
  // PAYLOAD_ENCRYPTION_KEYS keeps workflow failure messages out of history in clear too.
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH,
    // Tracing's workflow side (spans exported through a sink), in the tracing twin only.
    ...(options.tracing ? { workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES } : {}),
    ...(options.quiet ? { logger: quietLogger } : {}),
  });
  await writeFile(outPath, code);
  return code.length;
}

const ignore = () => undefined;
const quietLogger = {
  log: ignore,
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: (message: string) => process.stderr.write(`${message}\n`),
};

if (require.main === module) {
  const outPath = process.argv[2];
  if (!outPath) {
    process.stderr.write('usage: prebundle <output.js>\n');
    process.exit(2);
  }
  const tracingPath = tracingBundlePath(outPath);
  Promise.all([prebundle(outPath), prebundle(tracingPath, { tracing: true })]).then(
    ([bytes, tracingBytes]) =>
      process.stdout.write(
        `workflow bundle: ${outPath} (${bytes} bytes), ${tracingPath} (${tracingBytes} bytes)\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`prebundle failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
