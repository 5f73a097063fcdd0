// Bundles the workflow code ahead of time (`node dist/src/temporal/prebundle.js <out.js>`): the
// Docker image builds it once, so workers start without webpack (set WORKFLOW_BUNDLE_PATH).
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './worker';

export async function prebundle(outPath: string): Promise<number> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  await writeFile(outPath, code);
  return code.length;
}

if (require.main === module) {
  const outPath = process.argv[2];
  if (!outPath) {
    process.stderr.write('usage: prebundle <output.js>\n');
    process.exit(2);
  }
  prebundle(outPath).then(
    (bytes) => process.stdout.write(`workflow bundle: ${outPath} (${bytes} bytes)\n`),
    (err: unknown) => {
      process.stderr.write(`prebundle failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
