// SEER_MAX_REQUESTS_PER_SECOND through the real workflow, a real worker on the dev server and the
// fake Seer over HTTP: a burst of runs and an outage both reach Seer at no more than the cap (+10%
// for a window's edges), every run ends LIVE, and attempts count only requests Seer received. The
// fake Seer runs in a process of its own, as Seer does: it stamps each request when it arrives,
// not when this process's event loop (which runs the worker's 60 runs too) gets round to it.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { SeerRunInput } from '../../src/domain';
import { FakeSeerControl } from '../../drills/fake-seer-control';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import { startBudgetShare } from '../../src/temporal/seer-budget-share';
import { RequestBudget } from '../../src/seer/request-budget';
import { freePort } from '../../src/temporal/dev-server';
import { eventually } from '../support/api';
import { eventually as eventuallyThat, startEntry, type EntryProcess } from '../support/processes';
import { maxInAnyWindow, perSecond } from '../support/seer-rate';
import {
  connectClient,
  explorerInput,
  installTestRuntime,
  testLogger,
  startTestWorker,
  testServer,
} from '../support/temporal';

jest.setTimeout(120_000);

const SECRET = 'test-secret';
const CAP = 10;
const REQUEST_TIMEOUT_MS = 5_000;

let fakeProcess: EntryProcess;
let fake: { url: string; control: FakeSeerControl };
let client: Client;
let closeClient: () => Promise<void>;

/** A worker with the cap on, on a task queue of its own (the rate limit is per task queue). */
function startCappedWorker(taskQueue = `test-cap-${randomUUID()}`) {
  return startTestWorker({
    seerUrl: fake.url,
    sharedSecret: SECRET,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    taskQueue,
    seerCap: { maxRequestsPerSecond: CAP, requestTimeoutMs: REQUEST_TIMEOUT_MS },
  });
}

beforeAll(async () => {
  installTestRuntime();
  const port = await freePort();
  fakeProcess = startEntry('src/fake-seer/main.ts', {
    FAKE_SEER_PORT: String(port),
    FAKE_SEER_CONTROL: 'on',
    SEER_SHARED_SECRET: SECRET,
  });
  const url = `http://127.0.0.1:${port}`;
  fake = { url, control: new FakeSeerControl(url) };
  await eventuallyThat('the fake Seer to listen', () => fake.control.runs().then(() => true));
  ({ client, close: closeClient } = await connectClient());
});
afterAll(async () => {
  await closeClient?.();
  await fakeProcess?.kill();
});
beforeEach(() => fake.control.reset());

/** Starts every run at once and waits for all; each run's status and attempts as GET reads them. */
async function runAll(taskQueue: string, inputs: SeerRunInput[]) {
  const handles = await Promise.all(
    inputs.map((input) => startSeerRunWorkflow(client, taskQueue, input, { body_sha256: 'test' })),
  );
  await Promise.all(handles.map((handle) => handle.result()));
  return Promise.all(
    handles.map(async (handle) => {
      const attrs: Record<string, unknown> = {};
      for (const { key, value } of (await handle.describe()).typedSearchAttributes.getAll())
        attrs[key.name] = value;
      return {
        run_uuid: handle.workflowId,
        status: attrs.SeerRunStatus,
        attempts: attrs.SeerRunAttempts,
      };
    }),
  );
}

const requestTimes = async () => (await fake.control.requests()).map((r) => r.at);

/** With TEST_LOG_LEVEL=info: what Seer saw, per second (numbers for the README). */
function report(what: string, times: number[], since?: number): void {
  testLogger.info(
    {
      what,
      requests: times.length,
      most_in_1s: maxInAnyWindow(times),
      per_second: perSecond(times, since),
    },
    'requests that reached the fake Seer',
  );
}

describe(`a cap of ${CAP} requests per second`, () => {
  it('60 runs started at once reach Seer at most 11 times in any second, all LIVE after exactly one request each', async () => {
    const worker = await startCappedWorker();
    try {
      const inputs = Array.from({ length: 60 }, () =>
        explorerInput({ attempt_timeout_ms: REQUEST_TIMEOUT_MS }),
      );
      const runs = await runAll(worker.taskQueue, inputs);
      const times = await requestTimes();
      report('burst', times);
      expect(maxInAnyWindow(times)).toBeLessThanOrEqual(CAP + 1);
      expect(runs.filter((run) => run.status !== 'LIVE')).toEqual([]);
      expect(runs.map((run) => run.attempts)).toEqual(inputs.map(() => 1));
      expect(await fake.control.requests()).toHaveLength(60);
      expect(new Set((await fake.control.runs()).map((run) => run.key))).toEqual(
        new Set(inputs.map((input) => input.run_uuid)),
      );
    } finally {
      await worker.stop();
    }
  });

  it('runs pending through a Seer outage all end LIVE, and Seer never sees more than the cap + 10% in a second', async () => {
    const worker = await startCappedWorker();
    try {
      await fake.control.configure({ outage: 'status_503' });
      const inputs = Array.from({ length: 40 }, () =>
        explorerInput({ attempt_timeout_ms: REQUEST_TIMEOUT_MS }),
      );
      const done = runAll(worker.taskQueue, inputs);
      // The outage lasts until every run has been refused at least once.
      await eventuallyEvery(
        inputs,
        async () => new Set((await fake.control.requests()).map((r) => r.key)),
      );
      const recovered = Date.now();
      await fake.control.configure({ outage: 'none' });
      const runs = await done;
      expect(runs.filter((run) => run.status !== 'LIVE')).toEqual([]);
      const times = await requestTimes();
      const after = times.filter((t) => t >= recovered);
      report('whole test', times);
      report('after the outage', after, recovered);
      expect(maxInAnyWindow(after)).toBeLessThanOrEqual(CAP + 1);
      expect(maxInAnyWindow(times)).toBeLessThanOrEqual(CAP + 1);
      // attempts = requests Seer received for the run: none that waited for a token counted.
      const received = await fake.control.requests();
      for (const run of runs) {
        expect(run.attempts).toBe(received.filter((r) => r.key === run.run_uuid).length);
      }
    } finally {
      await fake.control.configure({ outage: 'none' });
      await worker.stop();
    }
  });
});

describe("each worker's share of the cap", () => {
  it('is the cap divided by the worker processes polling the queue, kept when Temporal does not answer, and stops with its worker', async () => {
    const taskQueue = `test-cap-${randomUUID()}`;
    const workers = [await startCappedWorker(taskQueue)];
    const connection = await NativeConnection.connect({ address: testServer().address });
    const budget = new RequestBudget(CAP);
    const share = startBudgetShare({
      connection,
      namespace: testServer().namespace,
      taskQueue,
      identity: 'a-third-worker@test',
      maxRequestsPerSecond: CAP,
      budget,
      logger: testLogger,
      refreshMs: 200,
    });
    try {
      // The worker's pollers (identity pid@host) and this second identity, not polling yet.
      await eventually(() => expect(share.workers()).toBe(2));
      expect(budget.perSecond).toBeCloseTo(CAP / 2);
      await connection.close();
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(share.workers()).toBe(2);
      expect(budget.perSecond).toBeCloseTo(CAP / 2);
    } finally {
      await share.stop();
      for (const worker of workers) await worker.stop();
    }
  });
});

async function eventuallyEvery(
  inputs: SeerRunInput[],
  seenKeys: () => Promise<Set<string | null>>,
) {
  for (;;) {
    const seen = await seenKeys();
    if (inputs.every((input) => seen.has(input.run_uuid))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
