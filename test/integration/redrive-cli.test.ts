// `npm run redrive` against the real dev server, a real worker and the fake Seer: which runs it
// selects (FAILED retries_exhausted of seerRun only), how a re-driven run behaves (same UUID, same
// idempotency key, a fresh heal window), and every bad-input line.
import { randomInt } from 'node:crypto';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { SeerRoute, type SeerRunInput } from '../../src/domain';
import { startFakeSeer, type FakeFault, type FakeSeer } from '../../src/fake-seer/server';
import { runRedriveCli } from '../../src/redrive/cli';
import type { seerRun } from '../../workflows';
import { startSeerRunWorkflow } from '../../src/temporal/runs';
import {
  connectClient,
  explorerInput,
  startTestWorker,
  testServer,
  type TestWorker,
} from '../support/temporal';

jest.setTimeout(60_000);

const SECRET = 'test-secret';
let fake: FakeSeer;
let worker: TestWorker;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  fake = await startFakeSeer({ sharedSecret: SECRET, control: true });
  worker = await startTestWorker({ seerUrl: fake.url, sharedSecret: SECRET });
  ({ client, close: closeClient } = await connectClient());
});
afterAll(async () => {
  await worker?.stop();
  await closeClient?.();
  await fake?.close();
});

/** The CLI as an operator runs it: its exit code and every line it printed. */
async function redrive(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runRedriveCli(argv, { TEMPORAL_ADDRESS: testServer().address }, (line) =>
    lines.push(line),
  );
  return { code, lines };
}

/** An organization of the test's own, so its query selects its runs only. */
const newOrg = () => randomInt(1_000_000, 2_000_000_000);

/**
 * A run whose heal window (700 ms unless given: the first backoff is 0.8–1 s with jitter) ends
 * after one answer (1.5 s: two): `faults` decide what those answers are.
 */
async function runToFailure(
  organizationId: number,
  faults: FakeFault[],
  healWindowMs = 700,
): Promise<SeerRunInput> {
  fake.queueFaults(SeerRoute.explorerChat, faults);
  const input = explorerInput({ organization_id: organizationId, heal_window_ms: healWindowMs });
  input.request = { ...input.request, organization_id: organizationId };
  const handle = await startSeerRunWorkflow(client, worker.taskQueue, input, { body_sha256: 't' });
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  return input;
}

async function current(runUuid: string) {
  const described = await client.workflow.getHandle(runUuid).describe();
  const attrs: Record<string, unknown> = {};
  for (const { key, value } of described.typedSearchAttributes.getAll()) attrs[key.name] = value;
  return { runId: described.runId, status: described.status.name, attrs, raw: described.raw };
}

async function resultOf(runUuid: string): Promise<unknown> {
  return client.workflow.getHandle<typeof seerRun>(runUuid).result();
}

const keyRequests = (key: string) => fake.state.requests.filter((r) => r.key === key);

describe('re-driving runs that ran out of heal window', () => {
  it('a run whose lost answer had made the Seer run: LIVE under the same UUID with that same run_id, its attempts counting the new chain', async () => {
    const org = newOrg();
    const lost = await runToFailure(org, [{ drop: 'after_create' }]);
    const before = await current(lost.run_uuid);
    expect(before.attrs).toMatchObject({
      SeerRunStatus: 'FAILED',
      SeerFailureReason: 'retries_exhausted',
    });
    const seerRun = fake.state.runs.find((r) => r.key === lost.run_uuid);
    expect(seerRun).toBeDefined();

    const { code, lines } = await redrive('--query', `SeerOrganizationId = ${org}`);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`^\\[1/1\\] re-driven ${lost.run_uuid} .*→ run `));
    expect(lines.at(-1)).toBe('re-driven 1, skipped 0, failed to re-drive 0');

    await expect(resultOf(lost.run_uuid)).resolves.toMatchObject({ run_id: seerRun!.run_id });
    const after = await current(lost.run_uuid);
    expect(after.runId).not.toBe(before.runId);
    expect(after.attrs).toMatchObject({
      SeerRunStatus: 'LIVE',
      SeerRunId: seerRun!.run_id,
      SeerRunAttempts: 1,
    });
    expect(after.attrs).not.toHaveProperty('SeerFailureReason');
    expect(fake.state.runs.filter((r) => r.key === lost.run_uuid)).toHaveLength(1);
    expect(keyRequests(lost.run_uuid).map((r) => r.status)).toEqual([null, 200]);
  });

  it('a re-driven run gets a fresh heal window: Seer still down once more, it retries and goes LIVE', async () => {
    const org = newOrg();
    const run = await runToFailure(org, [{ status: 503 }, { status: 503 }], 1_500);
    // Past the first window: a re-drive that kept it would fail after one request.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    fake.queueFaults(SeerRoute.explorerChat, [{ status: 503 }]);
    expect((await redrive('--query', `SeerOrganizationId = ${org}`)).code).toBe(0);
    await expect(resultOf(run.run_uuid)).resolves.toHaveProperty('run_id');
    expect(keyRequests(run.run_uuid).map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect((await current(run.run_uuid)).attrs).toMatchObject({ SeerRunAttempts: 2 });
  });

  it("--dry-run names the runs it would re-drive and changes nothing; Seer's own terminal answers are never selected", async () => {
    const org = newOrg();
    const exhausted = await runToFailure(org, [{ status: 503 }]);
    const rejected = await runToFailure(org, [{ status: 400 }]);
    const before = await current(exhausted.run_uuid);

    const { code, lines } = await redrive('--query', `SeerOrganizationId = ${org}`, '--dry-run');
    expect(code).toBe(0);
    expect(lines).toEqual([
      'would re-drive 1 run:',
      `  ${exhausted.run_uuid} (organization ${org}, explorer, retries_exhausted)`,
    ]);
    expect((await current(exhausted.run_uuid)).runId).toBe(before.runId);
    expect((await current(rejected.run_uuid)).attrs).toMatchObject({
      SeerFailureReason: 'seer_rejected',
    });
  });

  it('refuses, by UUID, a LIVE run, a PENDING run and a run Seer rejected, each with why; re-drives the one that ran out', async () => {
    const org = newOrg();
    const exhausted = await runToFailure(org, [{ status: 503 }]);
    const rejected = await runToFailure(org, [{ status: 422 }]);
    const live = explorerInput({ organization_id: org });
    await (
      await startSeerRunWorkflow(client, worker.taskQueue, live, { body_sha256: 't' })
    ).result();
    // A run on a queue no worker polls stays PENDING.
    const pending = explorerInput({ organization_id: org });
    await startSeerRunWorkflow(client, `idle-${pending.run_uuid}`, pending, { body_sha256: 't' });

    const { code, lines } = await redrive(
      ...[live, pending, rejected, exhausted].flatMap((r) => ['--run', r.run_uuid]),
    );
    await client.workflow.getHandle(pending.run_uuid).terminate('test over');
    await resultOf(exhausted.run_uuid);
    expect(code).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^ skipped ${live.run_uuid}: LIVE \\(Seer run \\d+\\): nothing to re-drive$`),
      ),
      ` skipped ${pending.run_uuid}: PENDING: still running, within its heal window; it needs no re-drive`,
      ` skipped ${rejected.run_uuid}: FAILED seer_rejected: Seer's own answer, it would fail again`,
      expect.stringMatching(new RegExp(`^\\[1/1\\] re-driven ${exhausted.run_uuid} `)),
      're-driven 1, skipped 3 (1 LIVE, 1 PENDING, 1 FAILED seer_rejected), failed to re-drive 0',
    ]);
  });

  it('a second re-drive of the same query finds the run already re-driven and leaves it', async () => {
    const org = newOrg();
    const run = await runToFailure(org, [{ status: 503 }]);
    expect((await redrive('--query', `SeerOrganizationId = ${org}`)).code).toBe(0);
    await resultOf(run.run_uuid);
    const after = await current(run.run_uuid);
    const { code, lines } = await redrive('--query', `SeerOrganizationId = ${org}`);
    expect(code).toBe(0);
    expect(lines.at(-1)).toMatch(
      /^re-driven 0, skipped 1 \(1 already re-driven\), failed to re-drive 0$/,
    );
    expect((await current(run.run_uuid)).runId).toBe(after.runId);
  });

  it('a query that matches another workflow type, even one breaking out of its parentheses, touches none of it', async () => {
    const org = newOrg();
    const other = await client.workflow.start('notASeerRun', {
      workflowId: `other-${org}`,
      taskQueue: `idle-${org}`,
      typedSearchAttributes: [
        { key: { name: 'SeerOrganizationId', type: 'INT' }, value: org },
        { key: { name: 'SeerRunStatus', type: 'KEYWORD' }, value: 'PENDING' },
        { key: { name: 'SeerFailureReason', type: 'KEYWORD' }, value: 'retries_exhausted' },
      ],
    });
    await other.terminate('a stand-in for another team’s workflow');
    const { code, lines } = await redrive(
      '--query',
      `SeerOrganizationId = ${org}) OR (SeerOrganizationId = ${org}`,
      '--include',
      'terminated',
    );
    expect(code).toBe(0);
    expect(lines).toContain(
      ` skipped other-${org}: not a Seer run (workflow type notASeerRun); never touched`,
    );
    expect(lines.at(-1)).toMatch(/^re-driven 0, /);
    expect((await other.describe()).status.name).toBe('TERMINATED');
    expect((await other.describe()).runId).toBe(other.firstExecutionRunId);
  });

  it('--rate 2/s spaces three re-drives at least half a second apart', async () => {
    const org = newOrg();
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await runToFailure(org, [{ status: 503 }]));
    const { code } = await redrive('--query', `SeerOrganizationId = ${org}`, '--rate', '2/s');
    expect(code).toBe(0);
    await Promise.all(runs.map((r) => resultOf(r.run_uuid)));
    const resets = await Promise.all(
      runs.map(async (r) => {
        const t = (await current(r.run_uuid)).raw.workflowExtendedInfo?.lastResetTime;
        return Number(t?.seconds) * 1_000 + (t?.nanos ?? 0) / 1e6;
      }),
    );
    resets.sort((a, b) => a - b);
    expect(resets[2]! - resets[0]!).toBeGreaterThanOrEqual(900);
  });
});

describe('bad input: one line naming the problem, exit 2, no stack trace', () => {
  it.each([
    [['--query', 'SeerOrganizationId = = 3'], /^redrive: invalid visibility query: .+/],
    [['--query', 'NoSuchAttribute = 3'], /^redrive: invalid visibility query: .*NoSuchAttribute/],
    [[], /^redrive: give --query or --run$/],
    [['--query', ' '], /^redrive: --query is empty$/],
    [['--query', 'x', '--rate', 'fast'], /^redrive: --rate "fast": expected re-drives per second/],
    [['--query', 'x', '--rate', '0/s'], /^redrive: --rate "0\/s"/],
    [
      ['--query', 'x', '--include', 'cancelled'],
      /^redrive: --include "cancelled": expected terminated or timed_out$/,
    ],
    [['--run', 'not-a-uuid'], /^redrive: --run "not-a-uuid" is not a run UUID$/],
    [['--query', 'x', '--force'], /^redrive: Unknown option '--force'/],
    [['--query'], /^redrive: Option '--query <value>' argument missing/],
  ])('%j', async (argv, line) => {
    const { code, lines } = await redrive(...argv);
    expect(code).toBe(2);
    expect(lines[0]).toMatch(line);
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
    expect(lines.length).toBeLessThanOrEqual(2);
  });
});
