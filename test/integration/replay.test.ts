// Replays recorded histories against today's workflow code. v4 is the first version that shipped:
// every v4 history (LIVE, FAILED, retried) must replay, so a change that would break running
// workflows (non-determinism) fails here, before it ships. The v1 to v3 histories were recorded
// during development only (no deployment ran them) and v4 dropped their patched() branches: each
// must fail loudly with the SDK's DeterminismViolationError, never replay silently down another
// path. The rule for future changes is in the README ("Workflow versions").
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installTestRuntime, testServer } from '../support/temporal';
import { TRACING_OFF } from '../../src/tracing/tracing';

const DIR = join(__dirname, '../fixtures/histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

const SHIPPED = 'v4-shipped';
/** Runs re-driven by a reset (src/redrive): the fresh heal window behind patched(). */
const REDRIVEN = 'v5-redrive-fresh-heal-window';
/**
 * Runs under a Seer cap whose local first attempt got no token (seer_request_not_sent): a regular
 * activity at once, no timer. No patch: only a capped worker's activity takes this path.
 */
const SEER_CAP = 'v5-seer-cap';
const DEVELOPMENT_ONLY = [
  'v1-regular-activity',
  'v2-local-first-attempt',
  'v3-heal-window-between-attempts',
];
const SCENARIOS = [
  'live-explorer-with-index-trigger',
  'failed-seer-rejected',
  'retried-then-live',
  'failed-unsupported-type',
];

installTestRuntime();

async function replay(names: string[]): Promise<Map<string, ReplayResult['error']>> {
  const histories = names.map((file) => ({
    workflowId: file,
    history: historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8'))),
  }));
  const errors = new Map<string, ReplayResult['error']>();
  for await (const result of Worker.runReplayHistories(
    // The bundle's tracing interceptors call the exporter sink; a replayer gets the no-op one.
    { workflowBundle: { codePath: testServer().bundlePath }, sinks: TRACING_OFF.workflowSinks() },
    histories,
  )) {
    errors.set(result.workflowId, result.error);
  }
  return errors;
}

describe('replaying recorded histories', () => {
  it.each([SHIPPED, ...DEVELOPMENT_ONLY])(
    'covers a LIVE, a FAILED, a retried and an unsupported run of workflow version %s',
    (version) => {
      expect(files).toEqual(
        expect.arrayContaining(SCENARIOS.map((scenario) => `${version}-${scenario}.json`)),
      );
    },
  );

  it('covers a run of the shipped version that the heal window ended', () => {
    expect(files).toContain(`${SHIPPED}-failed-retries-exhausted.json`);
  });

  it('has no history of a version it does not know', () => {
    const known = [SHIPPED, REDRIVEN, SEER_CAP, ...DEVELOPMENT_ONLY];
    expect(files.filter((f) => !known.some((version) => f.startsWith(`${version}-`)))).toEqual([]);
  });

  it('replays every history of the shipped version without a determinism error', async () => {
    const shipped = files.filter((f) => f.startsWith(`${SHIPPED}-`));
    const errors = await replay(shipped);
    expect([...errors.keys()].sort()).toEqual([...shipped].sort());
    expect([...errors].filter(([, error]) => error !== undefined)).toEqual([]);
  });

  it('replays every re-driven (reset) run of v5 without a determinism error', async () => {
    const redriven = files.filter((f) => f.startsWith(`${REDRIVEN}-`));
    expect(redriven).toEqual(
      expect.arrayContaining([
        `${REDRIVEN}-reset-then-live.json`,
        `${REDRIVEN}-reset-then-retried-then-live.json`,
      ]),
    );
    const errors = await replay(redriven);
    expect([...errors.keys()].sort()).toEqual([...redriven].sort());
    expect([...errors].filter(([, error]) => error !== undefined)).toEqual([]);
  });

  it('replays the runs whose first attempt sent nothing under a Seer cap without a determinism error', async () => {
    const capped = files.filter((f) => f.startsWith(`${SEER_CAP}-`));
    expect(capped).toEqual(
      expect.arrayContaining([
        `${SEER_CAP}-not-sent-then-live.json`,
        `${SEER_CAP}-not-sent-then-retried-then-live.json`,
      ]),
    );
    const errors = await replay(capped);
    expect([...errors.keys()].sort()).toEqual([...capped].sort());
    expect([...errors].filter(([, error]) => error !== undefined)).toEqual([]);
  });

  // What each older history trips on, as the SDK (core) reports it: v1 scheduled a regular
  // activity where v4 runs a local one; v2 and v3 carry a patch marker v4 no longer asks for; an
  // unsupported type (no patch, no activity) recorded a memo upsert that v4 no longer issues.
  describe('every history of a development-only version fails loudly on the shipped code', () => {
    const older = files.filter((f) =>
      DEVELOPMENT_ONLY.some((version) => f.startsWith(`${version}-`)),
    );
    let errors: Map<string, ReplayResult['error']>;
    beforeAll(async () => {
      errors = await replay(older);
    });

    it('replays each of them', () => {
      expect(older).toHaveLength(13);
      expect([...errors.keys()].sort()).toEqual([...older].sort());
    });

    it.each(older)('%s: DeterminismViolationError', (file) => {
      const cause = file.includes('-failed-unsupported-type')
        ? 'Fail workflow machine does not handle this event: HistoryEvent(id: 6, WorkflowPropertiesModified)'
        : file.startsWith('v1-')
          ? 'No command scheduled for event HistoryEvent(id: 5, ActivityTaskScheduled)'
          : 'Non-deprecated patch marker encountered for change local-first-attempt';
      const error = errors.get(file);
      expect(error).toBeInstanceOf(DeterminismViolationError);
      expect(error).toMatchObject({
        name: 'DeterminismViolationError',
        message: expect.stringContaining(`Nondeterminism error: ${cause}`),
      });
    });
  });
});
