// Records the event histories the replay test guards (test/fixtures/histories/): LIVE runs, FAILED
// runs and a run that was retried. After a change to the workflow (behind patched(): README
// "Workflow versions"), record under a new prefix and keep the older recordings:
// `npx tsx scripts/record-histories.ts <prefix>`.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { RunType, SeerRoute, type SeerRunInput } from '../src/domain';
import { startFakeSeer } from '../src/fake-seer/server';
import { SeerClient } from '../src/seer/client';
import { startDevServer } from '../src/temporal/dev-server';
import { startSeerRunWorkflow } from '../src/temporal/runs';
import { createSeerRunsWorker } from '../src/temporal/worker';

const OUT = join(__dirname, '../test/fixtures/histories');
/** Prefix of this recording (v4-shipped: the first version that shipped). Keep older ones. */
const VERSION = process.argv[2] ?? 'v4-shipped';
const SECRET = 'record-secret';

function input(overrides: Partial<SeerRunInput>): SeerRunInput {
  return {
    run_uuid: randomUUID(),
    type: RunType.explorer,
    organization_id: 42,
    project_id: 7,
    request: {
      organization_id: 42,
      project_id: 7,
      query: 'q',
      run_id: null,
      insert_index: null,
      on_page_context: null,
    },
    viewer_context: null,
    explorer_index_trigger: true,
    heal_window_ms: 86_400_000,
    attempt_timeout_ms: 5_000,
    started_by: 'recorder',
    ...overrides,
  };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cliPath = execFileSync('bash', [join(__dirname, 'temporal-cli.sh')], {
    encoding: 'utf8',
  }).trim();
  const server = await startDevServer({ cliPath });
  const fake = await startFakeSeer({ sharedSecret: SECRET, control: true });
  const seer = new SeerClient({ baseUrl: fake.url, sharedSecret: SECRET, requestTimeoutMs: 5_000 });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const taskQueue = 'record-histories';
  const worker = await createSeerRunsWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    seer,
    logger: pino({ level: 'silent' }),
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const scenarios: Array<[string, () => void, SeerRunInput]> = [
    [
      'live-explorer-with-index-trigger',
      () => fake.configure({ has_explorer_index: false }),
      input({}),
    ],
    [
      'failed-seer-rejected',
      () => fake.queueFaults(SeerRoute.explorerChat, [{ status: 400 }]),
      input({}),
    ],
    [
      'retried-then-live',
      () =>
        fake.queueFaults(SeerRoute.explorerChat, [
          { status: 503 },
          { status: 429, headers: { 'retry-after': '1' } },
        ]),
      input({}),
    ],
    [
      'failed-retries-exhausted',
      () =>
        fake.queueFaults(
          SeerRoute.explorerChat,
          Array.from({ length: 10 }, () => ({ status: 503 })),
        ),
      input({ heal_window_ms: 2_500 }),
    ],
    [
      'failed-unsupported-type',
      () => undefined,
      input({ type: RunType.pr_review, project_id: null, request: {} }),
    ],
  ];
  await worker.runUntil(async () => {
    for (const [name, setup, runInput] of scenarios) {
      fake.reset();
      fake.configure({ has_explorer_index: true, has_org_project_context: true });
      setup();
      const handle = await startSeerRunWorkflow(client, taskQueue, runInput, {
        body_sha256: 'recorded',
      });
      await handle.result().catch((err: unknown) => {
        if (!(err instanceof WorkflowFailedError)) throw err;
      });
      writeFileSync(
        join(OUT, `${VERSION}-${name}.json`),
        historyToJSON(await handle.fetchHistory()),
      );
      console.log(`recorded ${name}`);
    }
  });
  await connection.close();
  await nativeConnection.close();
  await seer.close();
  await fake.close();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
