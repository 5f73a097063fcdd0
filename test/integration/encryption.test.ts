// Payload encryption end to end: with PAYLOAD_ENCRYPTION_KEYS, what Temporal stores carries no
// user query, viewer context or failure text in clear; the keys read it back, across a rotation.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { RunType, SeerRoute, type SeerRunInput } from '../../src/domain';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { parsePayloadKeys, type PayloadKey } from '../../src/temporal/codec';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import { runToEnd, withPayloadText } from '../support/runs';
import { connectClient, runInput, startTestWorker, type TestWorker } from '../support/temporal';

const SECRET = 'enc-secret';
const CHAT = SeerRoute.explorerChat;
const key = (id: string) => parsePayloadKeys(`${id}:${randomBytes(32).toString('base64')}`)[0]!;
const OLD = key('2025-01');
const NEW = key('2026-11');

let fake: FakeSeer;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  fake = await startFakeSeer({ sharedSecret: SECRET, control: true });
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await fake?.close();
});

async function setup(keys: PayloadKey[]): Promise<{ client: Client; worker: TestWorker }> {
  const worker = await startTestWorker({
    seerUrl: fake.url,
    sharedSecret: SECRET,
    payloadKeys: keys,
  });
  const { client, close } = await connectClient(keys);
  cleanups.push(() => worker.stop(), close);
  return { client, worker };
}

const QUERY = `why is checkout slow for ${randomBytes(6).toString('hex')}?`;
const ACTOR = `actor-${randomBytes(6).toString('hex')}`;
function secretRun(): SeerRunInput {
  return runInput({
    type: RunType.explorer,
    request: { organization_id: 42, query: QUERY },
    viewer_context: { organization_id: 42, user_id: 777_001, actor_type: ACTOR },
  });
}

/** Every string Temporal stores for the run: the history JSON plus each payload's decoded bytes. */
async function storedText(client: Client, workflowId: string): Promise<string> {
  return withPayloadText(historyToJSON(await client.workflow.getHandle(workflowId).fetchHistory()));
}

it('keeps the query and the viewer context out of the raw history', async () => {
  const { client, worker } = await setup([NEW]);
  const input = secretRun();
  const end = await runToEnd(client, worker.taskQueue, input);
  expect(end.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
  const { client: raw, close } = await connectClient();
  cleanups.push(close);
  const stored = await storedText(raw, input.run_uuid);
  expect(stored).not.toContain(QUERY);
  expect(stored).not.toContain(ACTOR);
  expect(stored).toContain(Buffer.from('binary/encrypted').toString('base64'));
  // The same check finds them when they are there: the worker sent them to Seer, signed.
  const sent = fake.state.requests.find((r) => r.key === input.run_uuid);
  expect(sent?.body).toMatchObject({ query: QUERY });
  expect(sent?.headers['x-viewer-context']).toContain(ACTOR);
});

it('stores a FAILED run’s failure message encrypted, and the keys read it back', async () => {
  const { client, worker } = await setup([NEW]);
  fake.queueFaults(CHAT, [{ status: 400, body: '{"detail":"nope"}' }]);
  const input = secretRun();
  const end = await runToEnd(client, worker.taskQueue, input);
  expect(end.failure?.type).toBe('seer_rejected');
  expect(end.failure?.message).toBe('Seer answered 400: seer_rejected');
  const { client: raw, close } = await connectClient();
  cleanups.push(close);
  const stored = await storedText(raw, input.run_uuid);
  expect(stored).not.toContain('Seer answered 400');
  expect(stored).not.toContain(QUERY);
});

it('rotates keys: runs written with the old key stay readable, new runs use the newest key', async () => {
  const before = await setup([OLD]);
  const oldRun = secretRun();
  const oldEnd = await runToEnd(before.client, before.worker.taskQueue, oldRun);
  const after = await setup([NEW, OLD]);
  const described = await after.client.workflow.getHandle(oldRun.run_uuid).describe();
  expect(described.memo).toEqual({ body_sha256: 'test' });
  expect(await after.client.workflow.getHandle(oldRun.run_uuid).result()).toEqual(oldEnd.result);

  const newRun = secretRun();
  const handle = await startSeerRunWorkflow(after.client, after.worker.taskQueue, newRun, {
    body_sha256: 'n',
  });
  await handle.result();
  const { client: raw, close } = await connectClient();
  cleanups.push(close);
  const stored = await storedText(raw, newRun.run_uuid);
  expect(stored).toContain(Buffer.from(NEW.id).toString('base64'));
  expect(stored).not.toContain(Buffer.from(OLD.id).toString('base64'));
});
