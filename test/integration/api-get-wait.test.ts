// GET /v1/organizations/{org}/seer-runs/{run_uuid}?wait=<seconds>: a PENDING run is answered when
// it leaves PENDING or the wait ends, bounded as a POST's wait; a client resumes without the body.
import { bodyOf, ROUTE, seerRunsFor, startApi, uniqueOrgId, type ApiHarness } from '../support/api';

/** The sync wait of these tests: the longest ?wait= they may ask for. */
const SYNC_WAIT_S = 3;

describe('GET one run with ?wait=', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: String(SYNC_WAIT_S * 1000) } });
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  const runPath = (uuid: string) => `/v1/organizations/${org}/seer-runs/${uuid}`;

  /** A run still PENDING after its POST: Seer answered 503 and asked for `retryAfterS` seconds. */
  async function pendingRun(retryAfterS: number, key: string): Promise<string> {
    api.fakeSeer.queueFaults(ROUTE.explorer, [
      { status: 503, headers: { 'retry-after': String(retryAfterS) } },
    ]);
    const posted = await api.post(org, bodyOf('explorer'), { headers: { 'idempotency-key': key } });
    expect(posted).toMatchObject({ status: 500, body: { error: 'seer_run_pending' } });
    return posted.body.retry_token;
  }

  it('answers a run pending behind a Seer outage as LIVE once Seer is back within the wait, without the body sent again', async () => {
    // Seer's next request goes 4 to 4.8 s after the first: after the POST's 3 s, within the wait.
    const key = `wait-live-${org}`;
    const token = await pendingRun(4, key);

    const res = await api.call('GET', `${runPath(token)}?wait=${SYNC_WAIT_S}`);

    expect(res.status).toBe(200);
    const [seerRun, ...more] = seerRunsFor(api.fakeSeer, token);
    expect(more).toEqual([]);
    expect(res.body).toMatchObject({
      run_uuid: token,
      status: 'LIVE',
      run_id: seerRun?.run_id,
      attempts: 2,
    });
  });

  it('answers PENDING when the wait ends first, no sooner than the wait and within it + 1 s', async () => {
    const token = await pendingRun(30, `wait-pending-${org}`);
    api.answeredInMs.length = 0;

    const res = await api.call('GET', `${runPath(token)}?wait=2`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ run_uuid: token, status: 'PENDING', run_id: null });
    expect(api.answeredInMs).toHaveLength(1);
    expect(api.answeredInMs[0]).toBeGreaterThanOrEqual(2_000);
    expect(api.answeredInMs[0]).toBeLessThan(3_000);
  });

  it('wait=0 answers as a plain GET does', async () => {
    const token = await pendingRun(30, `wait-zero-${org}`);

    const [waited, plain] = await Promise.all([
      api.call('GET', `${runPath(token)}?wait=0`),
      api.call('GET', runPath(token)),
    ]);

    expect(waited.status).toBe(200);
    expect(waited.body).toEqual(plain.body);
    expect(waited.body.status).toBe('PENDING');
  });

  it('answers a run that already left PENDING at once', async () => {
    const created = await api.post(org, bodyOf('explorer'));
    expect(created.status).toBe(201);
    api.answeredInMs.length = 0;

    const res = await api.call('GET', `${runPath(created.body.run_uuid)}?wait=${SYNC_WAIT_S}`);

    expect(res.body).toMatchObject({ status: 'LIVE', run_id: created.body.run_id });
    expect(api.answeredInMs[0]).toBeLessThan(SYNC_WAIT_S * 1000);
  });

  it.each([
    [`${SYNC_WAIT_S + 1}`, `expected a whole number of seconds from 0 to ${SYNC_WAIT_S}`],
    ['-1', `expected a whole number of seconds from 0 to ${SYNC_WAIT_S}`],
    ['1.5', `expected a whole number of seconds from 0 to ${SYNC_WAIT_S}`],
    ['', `expected a whole number of seconds from 0 to ${SYNC_WAIT_S}`],
  ])('wait=%j is 400 naming wait', async (wait, message) => {
    const created = await api.post(org, bodyOf('explorer'));

    const res = await api.call('GET', `${runPath(created.body.run_uuid)}?wait=${wait}`);

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid_request',
      issues: [{ path: 'wait', message }],
    });
  });

  it("is 404 run_not_found at once for another organization's run, whatever the wait", async () => {
    const created = await api.post(org, bodyOf('explorer'));

    const res = await api.call(
      'GET',
      `/v1/organizations/${org + 1}/seer-runs/${created.body.run_uuid}?wait=${SYNC_WAIT_S}`,
    );

    expect(res).toMatchObject({ status: 404, body: { error: 'run_not_found' } });
  });
});
