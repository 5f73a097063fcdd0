// The `temporal` CLI as an operator's inspection tool (the README's commands): list FAILED runs
// of an organization by search attribute, and show a run's history decoded through the codec server.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { buildCodecServer } from '../../src/codec-server/app';
import { RunType, SeerRoute } from '../../src/domain';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { parsePayloadKeys } from '../../src/temporal/codec';
import { eventually } from '../support/processes';
import { runToEnd, withPayloadText } from '../support/runs';
import {
  connectClient,
  runInput,
  startTestWorker,
  testServer,
  type TestWorker,
} from '../support/temporal';

const run = promisify(execFile);
const SECRET = 'cli-secret';
const TOKEN = 'codec-token-for-tests';
const keys = parsePayloadKeys(`cli-1:${randomBytes(32).toString('base64')}`);
const ORG = 700_000 + Math.floor(Math.random() * 100_000);
const QUERY = `slow checkout ${randomBytes(4).toString('hex')}`;

let fake: FakeSeer;
let worker: TestWorker;
let client: Client;
let closeClient: () => Promise<void>;
let codec: ReturnType<typeof buildCodecServer>;
let codecUrl: string;
let failedId: string;
let liveId: string;

function temporal(...args: string[]): Promise<string> {
  const { address, namespace } = testServer();
  return run(
    process.env.TEMPORAL_CLI_PATH!,
    [...args, '--address', address, '--namespace', namespace],
    {
      encoding: 'utf8',
    },
  ).then((r) => r.stdout);
}

beforeAll(async () => {
  fake = await startFakeSeer({ sharedSecret: SECRET, control: true });
  worker = await startTestWorker({ seerUrl: fake.url, sharedSecret: SECRET, payloadKeys: keys });
  ({ client, close: closeClient } = await connectClient(keys));
  codec = buildCodecServer({
    keys,
    token: TOKEN,
    corsOrigins: [],
    logger: pino({ level: 'silent' }),
  });
  await codec.listen({ host: '127.0.0.1', port: 0 });
  codecUrl = `http://127.0.0.1:${(codec.server.address() as AddressInfo).port}`;

  const request = { organization_id: ORG, query: QUERY };
  fake.queueFaults(SeerRoute.explorerChat, [{ status: 403 }]);
  const failed = runInput({ type: RunType.explorer, organization_id: ORG, request });
  await runToEnd(client, worker.taskQueue, failed);
  const live = runInput({ type: RunType.explorer, organization_id: ORG, request });
  await runToEnd(client, worker.taskQueue, live);
  [failedId, liveId] = [failed.run_uuid, live.run_uuid];
});
afterAll(async () => {
  await codec?.close();
  await worker?.stop();
  await closeClient?.();
  await fake?.close();
});

it('temporal workflow list --query finds exactly the FAILED run of the organization', async () => {
  const query = `SeerRunStatus="FAILED" AND SeerOrganizationId=${ORG}`;
  const out = await eventually('visibility to show the failed run', async () => {
    const text = await temporal('workflow', 'list', '--query', query);
    return text.includes(failedId) ? text : undefined;
  });
  expect(out).toContain('seerRun');
  expect(out).not.toContain(liveId);
});

it('temporal workflow show --codec-endpoint decodes the input; without it the input stays encrypted', async () => {
  const decoded = withPayloadText(
    await temporal(
      'workflow',
      'show',
      '--workflow-id',
      failedId,
      '--output',
      'json',
      '--codec-endpoint',
      codecUrl,
      '--codec-auth',
      `Bearer ${TOKEN}`,
    ),
  );
  expect(decoded).toContain(QUERY);
  expect(decoded).toContain('seer_rejected');
  const raw = withPayloadText(
    await temporal('workflow', 'show', '--workflow-id', failedId, '--output', 'json'),
  );
  expect(raw).not.toContain(QUERY);
  expect(raw).not.toContain('seer_rejected: Seer answered');
  expect(raw).toContain(Buffer.from('binary/encrypted').toString('base64'));
});
