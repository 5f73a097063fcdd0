// Seer's delays and the heal window (seer-runs.md §4, 2026-11-30) through the real workflow, a real
// worker and the fake Seer over HTTP: Retry-After bounded to 1–60 s on every attempt, an attempt
// never cut short by the window, and a hung Seer unable to hold healthy runs back.
import type { Client } from '@temporalio/client';
import { RunType, SeerRoute, type SeerRunInput } from '../../src/domain';
import { startFakeSeer, type FakeFault, type FakeSeer } from '../../src/fake-seer/server';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import { eventually } from '../support/api';
import { runToEnd } from '../support/runs';
import {
  connectClient,
  explorerInput,
  installTestRuntime,
  runInput,
  startTestWorker,
  type TestWorker,
} from '../support/temporal';

jest.setTimeout(60_000);

const SECRET = 'test-secret';
/** Long enough that a hung Seer outlives any short local attempt by far. */
const REQUEST_TIMEOUT_MS = 20_000;

const workflowLogs: Array<{ message: string; meta?: Record<string, unknown> }> = [];
let fake: FakeSeer;
let worker: TestWorker;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  installTestRuntime({ level: 'WARN', entry: (entry) => workflowLogs.push(entry) });
  fake = await startFakeSeer({ sharedSecret: SECRET, control: true });
  worker = await startTestWorker({
    seerUrl: fake.url,
    sharedSecret: SECRET,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  ({ client, close: closeClient } = await connectClient());
});
afterAll(async () => {
  await worker?.stop();
  await closeClient?.();
  await fake?.close();
});

function explorer(overrides: Partial<SeerRunInput> = {}): SeerRunInput {
  return explorerInput({ attempt_timeout_ms: REQUEST_TIMEOUT_MS, ...overrides });
}

const requestsFor = (key: string) => fake.state.requests.filter((r) => r.key === key);
const gapsOf = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

async function runWith(faults: FakeFault[], input = explorer()) {
  fake.queueFaults(SeerRoute.explorerChat, faults);
  const end = await runToEnd(client, worker.taskQueue, input);
  const requests = requestsFor(input.run_uuid);
  return { ...end, requests, gaps: gapsOf(requests.map((r) => r.at)), input };
}

describe('Retry-After is at least 1 s and at most 60 s, on every attempt', () => {
  it('Retry-After: 0, then a date in the past, then Seer creates the run: LIVE after 3 requests at least 1 s apart', async () => {
    const run = await runWith([
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } },
    ]);
    expect(run.failure).toBeNull();
    expect(run.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    expect(run.searchAttributes).toMatchObject({ SeerRunAttempts: 3 });
    expect(run.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    for (const gap of run.gaps) expect(gap).toBeGreaterThanOrEqual(1_000);
  });

  it('Retry-After on a retry of the regular activity sets the next delay (3 s where the policy says 2 s)', async () => {
    const run = await runWith([{ status: 503 }, { status: 429, headers: { 'retry-after': '3' } }]);
    expect(run.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    expect(run.requests).toHaveLength(3);
    expect(run.gaps[1]).toBeGreaterThanOrEqual(2_900);
  });

  it('Retry-After: 3600 waits 60 s, not an hour', async () => {
    fake.queueFaults(SeerRoute.explorerChat, [
      { status: 503 },
      { status: 429, headers: { 'retry-after': '3600' } },
    ]);
    const input = explorer();
    const handle = await startSeerRunWorkflow(client, worker.taskQueue, input, {
      body_sha256: 'test',
    });
    try {
      const waiting = await eventually(async () => {
        const pending = (await handle.describe()).raw.pendingActivities?.[0];
        expect(pending?.attempt).toBe(2);
        return pending!;
      });
      const seconds = (t: typeof waiting.scheduledTime) => Number(t?.seconds ?? 0);
      const delay = seconds(waiting.scheduledTime) - seconds(waiting.lastAttemptCompleteTime);
      expect(delay).toBeGreaterThanOrEqual(59);
      expect(delay).toBeLessThanOrEqual(61);
      expect(requestsFor(input.run_uuid)).toHaveLength(2);
    } finally {
      await handle.terminate('test over');
    }
  });
});

describe('the heal window never cuts an attempt short', () => {
  it('an attempt that started inside a 3 s window and outlives it makes the run LIVE', async () => {
    const run = await runWith(
      [{ status: 503 }, { delay_ms: 4_000 }],
      explorer({ heal_window_ms: 3_000 }),
    );
    expect(run.failure).toBeNull();
    expect(run.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    const made = fake.state.runs.find((r) => r.key === run.input.run_uuid);
    expect(run.result?.run_id).toBe(made?.run_id);
    expect(run.requests).toHaveLength(2);
    expect(run.searchAttributes).toMatchObject({ SeerRunAttempts: 2 });
  });

  it('when that attempt fails too, the run is FAILED retries_exhausted with the true attempts and status', async () => {
    const run = await runWith(
      [{ status: 503 }, { status: 503, delay_ms: 3_500 }],
      explorer({ heal_window_ms: 3_000 }),
    );
    expect(run.failure?.type).toBe('retries_exhausted');
    expect(run.searchAttributes).toMatchObject({
      SeerRunStatus: 'FAILED',
      SeerFailureReason: 'retries_exhausted',
    });
    expect(run.requests.map((r) => r.status)).toEqual([503, 503]);
    expect(run.searchAttributes).toMatchObject({ SeerRunAttempts: 2 });
    expect(run.memo).toMatchObject({ seer_status: 503 });
    expect(fake.state.runs.filter((r) => r.key === run.input.run_uuid)).toHaveLength(0);
  });
});

describe('every terminal outcome is logged once', () => {
  it('unsupported_type, decided by the workflow, is logged by it with the run', async () => {
    const input = runInput({ type: RunType.pr_review, request: { pr: 12 } });
    const end = await runToEnd(client, worker.taskQueue, input);
    expect(end.failure?.type).toBe('unsupported_type');
    expect(end.searchAttributes).toMatchObject({ SeerRunAttempts: 0 });
    const lines = workflowLogs.filter((l) => l.meta?.run_uuid === input.run_uuid);
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'Seer has no route for pr_review runs yet',
        meta: expect.objectContaining({
          reason: 'unsupported_type',
          type: 'pr_review',
          organization_id: 42,
          status: 'FAILED',
          attempts: 0,
        }),
      }),
    ]);
  });
});

describe('a hung Seer holds no healthy run back', () => {
  let small: TestWorker;
  beforeAll(async () => {
    // Two workflow task slots, both taken by runs whose first attempt hangs on Seer.
    small = await startTestWorker({
      seerUrl: fake.url,
      sharedSecret: SECRET,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      workflowTaskSlots: 2,
    });
  });
  afterAll(() => small?.stop());

  it('with every slot held by a hung first attempt, a healthy run goes LIVE long before the hung requests time out', async () => {
    fake.queueFaults(SeerRoute.assistedQueryStart, [{ hang: true }, { hang: true }]);
    const hung = [0, 1].map(() =>
      runInput({
        type: RunType.assisted_query,
        request: {
          org_id: 42,
          org_slug: 'acme',
          project_ids: [1],
          natural_language_query: 'errors today',
          strategy: 'default',
        },
        attempt_timeout_ms: REQUEST_TIMEOUT_MS,
      }),
    );
    const hungEnds = hung.map((input) => runToEnd(client, small.taskQueue, input));
    const hungSent = await eventually(() => {
      const sent = hung.map((input) => requestsFor(input.run_uuid)[0]);
      expect(sent.every((r) => r !== undefined)).toBe(true);
      return sent.map((r) => r!.at);
    });

    const healthy = explorer();
    const end = await runToEnd(client, small.taskQueue, healthy);
    expect(end.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
    const healthySent = requestsFor(healthy.run_uuid)[0]!.at;
    // Held back by at most one short local attempt, not by the hung requests' full timeout.
    expect(healthySent - Math.min(...hungSent)).toBeLessThan(REQUEST_TIMEOUT_MS / 2);

    // The hung runs heal too; their timed-out first request counts (Seer may have it).
    for (const hungEnd of await Promise.all(hungEnds)) {
      expect(hungEnd.searchAttributes).toMatchObject({ SeerRunStatus: 'LIVE' });
      expect(hungEnd.searchAttributes).toMatchObject({ SeerRunAttempts: 2 });
    }
  });
});
