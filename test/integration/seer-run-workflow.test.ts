// The decision table of seer-api.md, driven row by row through the real workflow, the real
// worker and the fake Seer over HTTP: what the run becomes, and how many requests Seer saw.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { FailureReason, RunType, SeerRoute, type SeerRunInput } from '../../src/domain';
import { startFakeSeer, type FakeFault, type FakeSeer } from '../../src/fake-seer/server';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import { statusQuery } from '../../workflows/seer-run';
import { eventually } from '../support/api';
import { runToEnd } from '../support/runs';
import {
  connectClient,
  explorerInput,
  runInput,
  startTestWorker,
  type TestWorker,
} from '../support/temporal';

const SECRET = 'test-secret';

let fake: FakeSeer;
let worker: TestWorker;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  fake = await startFakeSeer({ sharedSecret: SECRET, control: true });
  worker = await startTestWorker({
    seerUrl: fake.url,
    sharedSecret: SECRET,
    requestTimeoutMs: 1_000,
  });
  ({ client, close: closeClient } = await connectClient());
});
afterAll(async () => {
  await worker?.stop();
  await closeClient?.();
  await fake?.close();
});
beforeEach(() => fake.reset());

function explorer(overrides: Partial<SeerRunInput> = {}): SeerRunInput {
  return explorerInput(overrides);
}

const requestsFor = (key: string) => fake.state.requests.filter((r) => r.key === key);
const runsFor = (key: string) => fake.state.runs.filter((r) => r.key === key);

async function runWith(faults: FakeFault[], input = explorer()) {
  fake.queueFaults(SeerRoute.explorerChat, faults);
  const end = await runToEnd(client, worker.taskQueue, input);
  return { ...end, requests: requestsFor(input.run_uuid), runs: runsFor(input.run_uuid), input };
}

describe('success', () => {
  it('a 2xx object with an integer run_id makes the run LIVE with that run_id after one request', async () => {
    const run = await runWith([]);
    expect(run.result?.run_id).toBe(run.runs[0]?.run_id);
    expect(run.searchAttributes).toMatchObject({
      SeerRunStatus: 'LIVE',
      SeerRunId: run.result?.run_id,
      SeerRunType: 'explorer',
      SeerOrganizationId: 42,
    });
    expect(run.requests).toHaveLength(1);
    expect(run.requests[0]).toMatchObject({ signature_ok: true, status: 200 });
    expect(run.searchAttributes).toMatchObject({ SeerRunAttempts: 1 });
    expect(run.memo).toEqual({ body_sha256: 'test' });
  });

  it('run_id 0 is LIVE, not missing', async () => {
    const run = await runWith([{ status: 200, body: '{"run_id": 0}' }]);
    expect(run.result?.run_id).toBe(0);
    expect(run.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE', SeerRunId: 0 });
  });

  it('run_id 1.0 is the integer 1', async () => {
    const run = await runWith([{ status: 201, body: '{"run_id": 1.0}' }]);
    expect(run.result?.run_id).toBe(1);
  });
});

const EventType = temporal.api.enums.v1.EventType;

describe("a LIVE run's history: Temporal's floor plus one search-attribute upsert", () => {
  it('a LIVE explorer run is 7 events: one upsert with status, run_id and attempts; no memo upsert; one local-activity marker', async () => {
    fake.configure({ has_explorer_index: true, has_org_project_context: true });
    const run = await runWith([]);
    const { events } = await client.workflow.getHandle(run.input.run_uuid).fetchHistory();

    expect(events?.map((e) => EventType[e.eventType ?? 0])).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
      'EVENT_TYPE_MARKER_RECORDED',
      'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
      'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
    ]);
    const markers = events!.flatMap((e) => e.markerRecordedEventAttributes?.markerName ?? []);
    expect(markers).toEqual(['core_local_activity']);
    const upserts = events!.flatMap((e) => e.upsertWorkflowSearchAttributesEventAttributes ?? []);
    expect(upserts).toHaveLength(1);
    const upserted = Object.fromEntries(
      Object.entries(upserts[0]!.searchAttributes?.indexedFields ?? {}).map(([name, payload]) => [
        name,
        defaultPayloadConverter.fromPayload(payload),
      ]),
    );
    expect(upserted).toEqual({
      SeerRunStatus: 'LIVE',
      SeerRunId: run.result?.run_id,
      SeerRunAttempts: 1,
    });
  });
});

describe('terminal answers fail the run after exactly one request', () => {
  const utf8Invalid = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('base64');
  it.each<[string, FakeFault, FailureReason]>([
    [
      'a 2xx body that is not JSON',
      { status: 200, body: '<html>oops' },
      FailureReason.invalid_json_body,
    ],
    [
      'a 2xx body that is not UTF-8',
      { status: 200, body_base64: utf8Invalid },
      FailureReason.invalid_json_body,
    ],
    ['a 2xx JSON list', { status: 200, body: '[{"run_id": 1}]' }, FailureReason.invalid_json_body],
    ['a 2xx JSON string', { status: 200, body: '"ok"' }, FailureReason.invalid_json_body],
    ['a 2xx JSON number', { status: 200, body: '7' }, FailureReason.invalid_json_body],
    ['a 2xx JSON null', { status: 200, body: 'null' }, FailureReason.invalid_json_body],
    ['a 2xx empty body', { status: 200, body: '' }, FailureReason.invalid_json_body],
    ['a 204', { status: 204 }, FailureReason.invalid_json_body],
    [
      'a 2xx object without run_id',
      { status: 200, body: '{"id": 5}' },
      FailureReason.missing_run_id,
    ],
    [
      'a 2xx object with run_id null',
      { status: 200, body: '{"run_id": null}' },
      FailureReason.missing_run_id,
    ],
    ['a 2xx run_id string', { status: 200, body: '{"run_id": "5"}' }, FailureReason.invalid_run_id],
    [
      'a 2xx run_id fraction',
      { status: 200, body: '{"run_id": 1.5}' },
      FailureReason.invalid_run_id,
    ],
    [
      'a 2xx negative run_id',
      { status: 200, body: '{"run_id": -1}' },
      FailureReason.invalid_run_id,
    ],
    ['a 400', { status: 400, body: '{"detail": "bad"}' }, FailureReason.seer_rejected],
    ['a 404', { status: 404 }, FailureReason.seer_rejected],
    ['a 422', { status: 422, body: '{}' }, FailureReason.seer_rejected],
    [
      'a 301 (no redirect followed)',
      { status: 301, headers: { location: '/elsewhere' } },
      FailureReason.seer_rejected,
    ],
  ])('%s fails the run', async (_name, fault, reason) => {
    const run = await runWith([fault]);
    expect(run.result).toBeNull();
    expect(run.failure?.type).toBe(reason);
    expect(run.failure?.nonRetryable).toBe(true);
    expect(run.searchAttributes).toMatchObject({
      SeerRunStatus: 'FAILED',
      SeerFailureReason: reason,
    });
    expect(run.searchAttributes).not.toHaveProperty('SeerRunId');
    expect(run.requests).toHaveLength(1);
    expect(run.searchAttributes).toMatchObject({ SeerRunAttempts: 1 });
    if (reason === FailureReason.seer_rejected) {
      expect(run.failure?.details?.[0]).toMatchObject({ seer_status: fault.status });
      expect(run.memo).toMatchObject({ seer_status: fault.status });
    }
  });

  it('a request that fails its type schema is invalid_payload with no request to Seer', async () => {
    const run = await runWith([], explorer({ request: { organization_id: 42, query: '' } }));
    expect(run.failure?.type).toBe(FailureReason.invalid_payload);
    expect(run.searchAttributes).toMatchObject({
      SeerRunStatus: 'FAILED',
      SeerFailureReason: 'invalid_payload',
    });
    expect(run.requests).toHaveLength(0);
    expect(run.searchAttributes).toMatchObject({ SeerRunAttempts: 0 });
    expect(run.memo).not.toHaveProperty('seer_status');
  });

  it('a pr_review run is recorded and FAILED at once as unsupported_type with no request', async () => {
    const input = runInput({ type: RunType.pr_review, request: { pr: 12 } });
    const end = await runToEnd(client, worker.taskQueue, input);
    expect(end.failure?.type).toBe(FailureReason.unsupported_type);
    expect(end.searchAttributes).toMatchObject({
      SeerRunStatus: 'FAILED',
      SeerFailureReason: 'unsupported_type',
      SeerRunType: 'pr_review',
    });
    expect(fake.state.requests).toHaveLength(0);
    expect(end.searchAttributes).toMatchObject({ SeerRunAttempts: 0 });
  });
});

describe('transient answers are retried until Seer creates the run', () => {
  it.each<[string, FakeFault]>([
    ['a 500', { status: 500 }],
    ['a 503', { status: 503, body: 'upstream down' }],
    ['a 408', { status: 408 }],
    ['a 429 without Retry-After', { status: 429 }],
    ['a connection dropped before any answer', { drop: 'before' }],
    ['an answer slower than SEER_REQUEST_TIMEOUT_MS', { delay_ms: 1_500 }],
  ])('%s, then success: LIVE after two requests, one run', async (_name, fault) => {
    const run = await runWith([fault]);
    expect(run.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    expect(run.requests).toHaveLength(2);
    expect(run.runs).toHaveLength(1);
    expect(run.result?.run_id).toBe(run.runs[0]?.run_id);
    expect(run.searchAttributes).toMatchObject({ SeerRunAttempts: 2 });
  });

  it('SeerRunAttempts is numeric in list queries: `SeerRunAttempts > 1` finds the retried run only', async () => {
    const retried = await runWith([{ status: 503 }]);
    const firstTry = await runWith([]);
    const ids = [retried.input.run_uuid, firstTry.input.run_uuid].map((id) => `'${id}'`);
    const query = `SeerRunAttempts > 1 AND WorkflowId IN (${ids.join(', ')})`;
    await eventually(async () => {
      const found: string[] = [];
      for await (const run of client.workflow.list({ query })) found.push(run.workflowId);
      expect(found).toEqual([retried.input.run_uuid]);
    });
  });

  it('a lost answer after Seer created the run: the retry gets the same run_id, one run', async () => {
    const run = await runWith([{ drop: 'after_create' }]);
    expect(run.requests).toHaveLength(2);
    expect(run.runs).toHaveLength(1);
    expect(run.result?.run_id).toBe(run.runs[0]?.run_id);
  });

  it('a 429 with Retry-After: 2 waits about 2 s before the next attempt', async () => {
    const run = await runWith([{ status: 429, headers: { 'retry-after': '2' } }]);
    expect(run.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    const [first, second] = run.requests;
    const gap = second!.at - first!.at;
    expect(gap).toBeGreaterThanOrEqual(1_900);
    expect(gap).toBeLessThan(4_000);
  });

  it('when the heal window runs out the workflow records FAILED retries_exhausted itself', async () => {
    fake.queueFaults(
      SeerRoute.explorerChat,
      Array.from({ length: 20 }, () => ({ status: 503 })),
    );
    const input = explorer({ heal_window_ms: 2_500 });
    const end = await runToEnd(client, worker.taskQueue, input);
    expect(end.failure?.type).toBe(FailureReason.retries_exhausted);
    expect(end.searchAttributes).toMatchObject({
      SeerRunStatus: 'FAILED',
      SeerFailureReason: 'retries_exhausted',
    });
    const sent = requestsFor(input.run_uuid).length;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(end.searchAttributes).toMatchObject({ SeerRunAttempts: sent });
    expect(end.memo).toMatchObject({ seer_status: 503 });
  });
});

describe('viewer context', () => {
  it('null sends no viewer headers', async () => {
    const run = await runWith([], explorer({ viewer_context: null }));
    expect(run.requests[0]?.headers['x-viewer-context']).toBeUndefined();
    expect(run.requests[0]?.headers['x-viewer-context-signature']).toBeUndefined();
    expect(run.requests[0]?.viewer_context_ok).toBeNull();
  });

  it('an object sends signed headers that Seer verifies, with actor_type "unknown" when not given', async () => {
    const run = await runWith(
      [],
      explorer({ viewer_context: { organization_id: 42, user_id: 7 } }),
    );
    expect(run.requests[0]?.viewer_context_ok).toBe(true);
    expect(JSON.parse(run.requests[0]!.headers['x-viewer-context']!)).toEqual({
      actor_type: 'unknown',
      organization_id: 42,
      user_id: 7,
    });
  });
});

describe('each run type reaches its Seer route', () => {
  it.each<[RunType, Record<string, unknown>, string]>([
    [
      RunType.assisted_query,
      {
        org_id: 42,
        org_slug: 'acme',
        project_ids: [1],
        natural_language_query: 'errors today',
        strategy: 'default',
      },
      SeerRoute.assistedQueryStart,
    ],
    [
      RunType.autofix,
      {
        organization_id: 42,
        project_id: 3,
        issue: { id: 9, title: 'TypeError', culprit: 'app.js' },
      },
      SeerRoute.autofixStart,
    ],
    [RunType.feature_run, { feature_id: 'summaries', payload: { a: 1 } }, SeerRoute.featureRun],
  ])('%s goes LIVE through %s', async (type, request, route) => {
    const input = runInput({ type, request });
    const end = await runToEnd(client, worker.taskQueue, input);
    expect(end.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE', SeerRunType: type });
    const [sent] = requestsFor(input.run_uuid);
    expect(sent?.route).toBe(route);
    if (type === RunType.feature_run) expect(sent?.body).toMatchObject({ ref: input.run_uuid });
  });
});

describe('the status query', () => {
  it('answers the GET shape while the run waits for Seer', async () => {
    fake.queueFaults(SeerRoute.explorerChat, [{ status: 503 }]);
    const input = explorer();
    const handle = await startSeerRunWorkflow(client, worker.taskQueue, input, {
      body_sha256: 'x',
    });
    const pending = await handle.query<{
      status: string;
      run_uuid: string;
      run_id: number | null;
      closed_at: null;
    }>('status');
    expect(pending).toMatchObject({
      run_uuid: input.run_uuid,
      status: 'PENDING',
      run_id: null,
      closed_at: null,
    });
    const result = await handle.result();
    expect(await handle.query(statusQuery)).toMatchObject({
      status: 'LIVE',
      run_id: result.run_id,
      attempts: 2,
    });
  });
});

describe('the explorer follow-up', () => {
  const indexRequests = () =>
    fake.state.requests.filter(
      (r) =>
        r.route === SeerRoute.explorerIndex || r.route === SeerRoute.explorerOrgProjectKnowledge,
    );

  it('two concurrent runs of one project with has_explorer_index false trigger the index once', async () => {
    fake.configure({ has_explorer_index: false, has_org_project_context: true });
    // Slow enough that the second run finds the first one's trigger still running.
    fake.queueFaults(SeerRoute.explorerIndex, [{ delay_ms: 700 }]);
    const project = Math.floor(Math.random() * 1e9);
    const inputs = [explorer({ project_id: project }), explorer({ project_id: project })];
    const ends = await Promise.all(inputs.map((i) => runToEnd(client, worker.taskQueue, i)));
    for (const end of ends) expect(end.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    const child = client.workflow.getHandle(`explorer-index:42:${project}`);
    await child.result();
    expect(indexRequests()).toHaveLength(1);
    expect(indexRequests()[0]?.body).toEqual({ projects: [{ org_id: 42, project_id: project }] });
  });

  it('both flags true trigger nothing', async () => {
    fake.configure({ has_explorer_index: true, has_org_project_context: true });
    const end = await runToEnd(client, worker.taskQueue, explorer({ project_id: 5 }));
    expect(end.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    expect(indexRequests()).toHaveLength(0);
  });

  it('a failing index trigger leaves the run LIVE', async () => {
    fake.configure({ has_explorer_index: true, has_org_project_context: false });
    fake.queueFaults(SeerRoute.explorerOrgProjectKnowledge, [{ status: 400 }]);
    const project = Math.floor(Math.random() * 1e9);
    const end = await runToEnd(client, worker.taskQueue, explorer({ project_id: project }));
    expect(end.result).not.toBeNull();
    expect(end.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    await client.workflow.getHandle(`explorer-index:42:${project}`).result();
    expect(indexRequests().map((r) => r.status)).toEqual([400]);
  });

  it('EXPLORER_INDEX_TRIGGER=off (carried in the input) triggers nothing', async () => {
    fake.configure({ has_explorer_index: false, has_org_project_context: false });
    const end = await runToEnd(
      client,
      worker.taskQueue,
      explorer({ project_id: 6, explorer_index_trigger: false }),
    );
    expect(end.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    expect(indexRequests()).toHaveLength(0);
  });
});

describe('idempotency of the workflow id', () => {
  it('starting the UUID of a finished run joins it: same result, no second request', async () => {
    const input = explorer();
    const first = await runToEnd(client, worker.taskQueue, input);
    const again = await runToEnd(client, worker.taskQueue, { ...input, started_by: randomUUID() });
    expect(again.result).toEqual(first.result);
    expect(requestsFor(input.run_uuid)).toHaveLength(1);
  });
});
