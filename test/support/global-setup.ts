// Jest global setup: one real Temporal dev server and one workflow bundle for the whole run.
// Tests find them through env (TEMPORAL_ADDRESS, SEER_RUNS_TEST_BUNDLE).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { prebundle } from '../../src/temporal/prebundle';
import { tracingBundlePath } from '../../src/temporal/worker';

declare global {
  var seerRunsTestServer: DevServer | undefined;
  var seerRunsTestDir: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const cliPath = execFileSync('bash', [join(__dirname, '../../scripts/temporal-cli.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'seer-runs-test-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  // The same bundle the Docker image builds (src/temporal/prebundle.ts).
  const [server] = await Promise.all([
    startDevServer({
      cliPath,
      dbFile: join(dir, 'temporal.sqlite'),
      logFile: join(dir, 'temporal.log'),
      retentionMs: 7 * 86_400_000,
    }),
    prebundle(bundlePath, { quiet: true }),
    // Its tracing twin, which a worker with tracing on loads instead (test/e2e/tracing.test.ts).
    prebundle(tracingBundlePath(bundlePath), { quiet: true, tracing: true }),
  ]);
  globalThis.seerRunsTestServer = server;
  globalThis.seerRunsTestDir = dir;
  process.env.TEMPORAL_CLI_PATH = cliPath;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
  process.env.SEER_RUNS_TEST_BUNDLE = bundlePath;
  process.env.SEER_RUNS_TEST_DIR = dir;
  process.stdout.write(
    `\nTemporal dev server ${server.version} at ${server.address} (pid ${server.process.pid}), ` +
      `workflows bundled, ready in ${Date.now() - started} ms\n`,
  );
}
