// `attempts` is the number of requests sent to Seer, the same in GET and in the list, for open runs
// too (seer-runs.md §4, 2026-11-30): through the real API, worker, Temporal and fake Seer.
import { RunType } from '../../src/domain';
import { bodyOf, eventually, ROUTE, startApi, uniqueOrgId, type ApiHarness } from '../support/api';

jest.setTimeout(60_000);

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '1000' } });
});
afterAll(() => api?.stop());

it('an open run with three failed requests reads attempts 3 in GET and in the list', async () => {
  const org = uniqueOrgId();
  // The third answer asks for an hour (capped at 60 s): the run then waits, open, with 3 sent.
  api.fakeSeer.queueFaults(ROUTE.explorer, [
    { status: 503 },
    { status: 503 },
    { status: 429, headers: { 'retry-after': '3600' } },
  ]);
  const posted = await api.post(org, bodyOf(RunType.explorer));
  expect(posted.status).toBe(500);
  const uuid = posted.body.retry_token;
  try {
    await eventually(
      () => expect(api.fakeSeer.state.requests.filter((r) => r.key === uuid)).toHaveLength(3),
      15_000,
    );
    const [got, listed] = await eventually(async () => {
      const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${uuid}`);
      const listed = await api.call('GET', `/v1/organizations/${org}/seer-runs`);
      expect(got.body).toMatchObject({ status: 'PENDING', attempts: 3 });
      expect(listed.body.runs).toHaveLength(1);
      return [got.body, listed.body.runs[0]] as const;
    });
    expect(listed).toEqual(got);
  } finally {
    await api.temporal.workflow.getHandle(uuid).terminate('test over');
  }
});
