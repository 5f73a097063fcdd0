// Replays recorded histories (LIVE, FAILED, retried) against today's workflow code: a change
// that would break running workflows (non-determinism) fails here, before it ships.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { testServer } from '../support/temporal';

const DIR = join(__dirname, '../fixtures/histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('replaying recorded histories', () => {
  it.each(['v1-regular-activity', 'v2-local-first-attempt', 'v3-heal-window-between-attempts'])(
    'covers a LIVE, a FAILED and a retried run of workflow version %s',
    (version) => {
      expect(files).toEqual(
        expect.arrayContaining([
          `${version}-live-explorer-with-index-trigger.json`,
          `${version}-failed-seer-rejected.json`,
          `${version}-retried-then-live.json`,
        ]),
      );
    },
  );

  it("covers a run of today's version that the heal window ended", () => {
    expect(files).toContain('v3-heal-window-between-attempts-failed-retries-exhausted.json');
  });

  it('replays every history without a determinism error', async () => {
    const histories = files.map((file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8'))),
    }));
    const results: Array<{ id: string; error: unknown }> = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: testServer().bundlePath } },
      histories,
    )) {
      results.push({ id: result.workflowId, error: result.error });
    }
    expect(results.map((r) => r.id).sort()).toEqual([...files].sort());
    expect(results.filter((r) => r.error !== undefined)).toEqual([]);
  });
});
