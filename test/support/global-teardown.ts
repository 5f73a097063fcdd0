// Jest global teardown: stops the dev server started by global setup and removes its files.
import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.seerRunsTestServer?.stop();
  if (globalThis.seerRunsTestDir)
    rmSync(globalThis.seerRunsTestDir, { recursive: true, force: true });
}
