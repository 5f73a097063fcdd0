// The API's list after a re-drive: visibility keeps the FAILED run a reset replaced beside the
// UUID's current run, and the list shows the UUID once, as it now stands (real dev server, real
// worker, the fake Seer, the re-drive CLI in-process).
import type { SeerRunView } from '../../src/domain';
import { runRedriveCli } from '../../src/redrive/cli';
import { bodyOf, eventually, ROUTE, startApi, uniqueOrgId, type ApiHarness } from '../support/api';
import { testServer } from '../support/temporal';

let api: ApiHarness;
let org: number;
beforeEach(async () => {
  // A 700 ms heal window ends after one answer (the next waits at least 0.8 s: 1 s less at most a
  // fifth of jitter): one 503 and the run is FAILED retries_exhausted.
  api = await startApi({ env: { SEER_RUN_HEAL_WINDOW: '700ms', SYNC_WAIT_TIMEOUT_MS: '5000' } });
  org = uniqueOrgId();
});
afterEach(async () => {
  await api.stop();
});

async function listed(query = ''): Promise<SeerRunView[]> {
  const res = await api.call('GET', `/v1/organizations/${org}/seer-runs?${query}`);
  expect(res.status).toBe(200);
  return res.body.runs;
}

/** Every run of the list, page after page of `pageSize`, until the list hands out no token. */
async function allPages(pageSize: number): Promise<{ runs: SeerRunView[]; pages: number }> {
  const runs: SeerRunView[] = [];
  let pages = 0;
  let token: string | null = null;
  do {
    const suffix: string = token === null ? '' : `&next_page_token=${token}`;
    const res = await api.call(
      'GET',
      `/v1/organizations/${org}/seer-runs?page_size=${pageSize}${suffix}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.runs.length).toBeLessThanOrEqual(pageSize);
    runs.push(...res.body.runs);
    pages += 1;
    token = res.body.next_page_token;
  } while (token !== null);
  return { runs, pages };
}

async function redrive(...argv: string[]): Promise<number> {
  return runRedriveCli(argv, { TEMPORAL_ADDRESS: testServer().address }, () => undefined);
}

/** A run POSTed while Seer answers 503 once: FAILED retries_exhausted, and listed so. */
async function failedRun(): Promise<string> {
  api.fakeSeer.queueFaults(ROUTE.explorer, [{ status: 503 }]);
  const res = await api.post(org, bodyOf('explorer'));
  const runUuid = res.body.run_uuid ?? res.body.retry_token;
  await eventually(async () =>
    expect((await listed()).find((r) => r.run_uuid === runUuid)).toMatchObject({
      status: 'FAILED',
      failure: { reason: 'retries_exhausted' },
    }),
  );
  return runUuid;
}

describe('the list after a re-drive', () => {
  it('shows a re-driven run once, LIVE, though visibility still holds the FAILED run it replaced', async () => {
    const redriven = await failedRun();
    const stillFailed = await failedRun();

    expect(await redrive('--run', redriven)).toBe(0);
    const got = await eventually(async () => {
      const res = await api.call('GET', `/v1/organizations/${org}/seer-runs/${redriven}`);
      expect(res.body.status).toBe('LIVE');
      return res.body;
    });
    // Both runs of the UUID are in visibility: the base run FAILED, the reset run COMPLETED.
    await eventually(async () => {
      const rows = [];
      for await (const row of api.temporal.workflow.list({ query: `WorkflowId = '${redriven}'` })) {
        rows.push(row.status.name);
      }
      expect(rows.sort()).toEqual(['COMPLETED', 'FAILED']);
    });

    const runs = await eventually(async () => {
      const page = await listed();
      expect(page.find((r) => r.run_uuid === redriven)?.status).toBe('LIVE');
      return page;
    });
    expect(runs.map((r) => [r.run_uuid, r.status])).toEqual([
      [redriven, 'LIVE'],
      [stillFailed, 'FAILED'],
    ]);
    expect(runs[0]).toMatchObject({ run_id: got.run_id, failure: null, attempts: 1 });
    expect((await listed('status=FAILED')).map((r) => r.run_uuid)).toEqual([stillFailed]);
    expect((await listed('status=LIVE')).map((r) => r.run_uuid)).toEqual([redriven]);
  });

  it('paged one run at a time, each UUID comes once; a page may hold fewer runs than its size', async () => {
    const redriven = await failedRun();
    expect(await redrive('--run', redriven)).toBe(0);
    await eventually(async () => {
      expect((await listed()).map((r) => [r.run_uuid, r.status])).toEqual([[redriven, 'LIVE']]);
    });

    const { runs, pages } = await allPages(1);
    expect(runs.map((r) => [r.run_uuid, r.status])).toEqual([[redriven, 'LIVE']]);
    // Visibility's two rows took two pages; the replaced run's page came back empty.
    expect(pages).toBeGreaterThanOrEqual(2);
  });
});
