// The typed client against the real API, a real worker on the dev server and the fake Seer: it
// rides out a Seer outage longer than the sync wait, resends after a 404 for its token, refuses
// what the API would refuse without sending it, and reads runs.
import { randomUUID } from 'node:crypto';
import { runUuidFor } from '../../src/api/idempotency';
import {
  InvalidRequestError,
  SeerRunsApiError,
  SeerRunsClient,
  type ClientAnswer,
  type RunBody,
} from '../../src/client';
import {
  bodyOf,
  eventually,
  seerRunsFor,
  startApi,
  TEST_TOKEN,
  uniqueOrgId,
  type ApiHarness,
} from '../support/api';

jest.setTimeout(90_000);

let api: ApiHarness;
let client: SeerRunsClient;
beforeAll(async () => {
  api = await startApi({ env: { SYNC_WAIT_TIMEOUT_MS: '2000' } });
  client = new SeerRunsClient({ baseUrl: api.url, token: TEST_TOKEN, maxWaitSeconds: 2 });
});
afterAll(async () => {
  await api?.stop();
});
afterEach(() => {
  api.fakeSeer.configure({ outage: 'none' });
});

const explorer = bodyOf('explorer') as unknown as RunBody;

describe('startRun', () => {
  it('through a Seer outage longer than the sync wait: follows the 500 with its token to LIVE, the run_id of the workflow, one Seer run', async () => {
    const org = uniqueOrgId();
    api.fakeSeer.configure({ outage: 'status_503' });
    const answers: ClientAnswer[] = [];

    const outcome = await client.startRun(org, explorer, {
      idempotencyKey: 'outage-1',
      onAnswer: (answer) => {
        answers.push(answer);
        // Seer comes back only once the API has answered the sync wait out: the outage outlasts it.
        if (answer.error === 'seer_run_pending') api.fakeSeer.configure({ outage: 'none' });
      },
    });

    const runUuid = runUuidFor(org, 'outage-1');
    expect(outcome).toMatchObject({ status: 'LIVE', run_uuid: runUuid, created: false });
    expect(answers[0]).toMatchObject({
      status: 500,
      error: 'seer_run_pending',
      sentToken: null,
      body: { retry_token: runUuid },
    });
    expect(answers.at(-1)).toMatchObject({ status: 200, sentToken: runUuid });
    expect(outcome.answers).toEqual(answers);
    if (outcome.status !== 'LIVE') return;
    const result = (await api.temporal.workflow.getHandle(runUuid).result()) as { run_id: number };
    expect(result.run_id).toBe(outcome.run_id);
    expect(await client.getRun(org, runUuid)).toMatchObject({
      status: 'LIVE',
      run_id: outcome.run_id,
    });
    expect(seerRunsFor(api.fakeSeer, runUuid)).toHaveLength(1);
    expect(seerRunsFor(api.fakeSeer, runUuid)[0]?.run_id).toBe(outcome.run_id);
  });

  it('given a 404 for its token (a start that never reached Temporal), resends without it and gets the run its key names', async () => {
    const org = uniqueOrgId();
    const runUuid = runUuidFor(org, 'never-started');

    const outcome = await client.startRun(org, explorer, {
      idempotencyKey: 'never-started',
      retryToken: runUuid,
    });

    expect(outcome.answers.map((a) => [a.status, a.error, a.sentToken])).toEqual([
      [404, 'run_not_found', runUuid],
      [201, null, null],
    ]);
    expect(outcome).toMatchObject({ status: 'LIVE', run_uuid: runUuid, created: true });
    expect(seerRunsFor(api.fakeSeer, runUuid)).toHaveLength(1);
  });

  it('a run Seer refuses is FAILED with its reason, not an error', async () => {
    const org = uniqueOrgId();
    api.fakeSeer.queueFaults('/v1/automation/explorer/chat', [{ status: 400 }]);
    const outcome = await client.startRun(org, explorer);
    expect(outcome).toMatchObject({
      status: 'FAILED',
      reason: 'seer_rejected',
      seer_status: 400,
      error: 'seer_rejected',
    });
  });

  it('a reused key with another body is a typed 422 error, thrown at once', async () => {
    const org = uniqueOrgId();
    await client.startRun(org, explorer, { idempotencyKey: 'reused' });
    const error = await client
      .startRun(org, bodyOf('feature_run') as unknown as RunBody, { idempotencyKey: 'reused' })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SeerRunsApiError);
    expect(error).toMatchObject({
      status: 422,
      code: 'idempotency_key_reused',
      body: { run_uuid: runUuidFor(org, 'reused') },
    });
  });
});

describe('a request the API would refuse', () => {
  const deep = (levels: number): unknown => (levels === 0 ? 1 : { a: deep(levels - 1) });
  const org = uniqueOrgId();
  const other = org + 1;

  it.each<[string, number, unknown, string]>([
    ['an empty query', org, { type: 'explorer', request: { query: '' } }, 'k'],
    [
      'a field the type does not have',
      org,
      { type: 'explorer', request: { query: 'q', colour: 1 } },
      'k',
    ],
    ['an unknown type', org, { type: 'chat', request: {} }, 'k'],
    ['a service-owned field', org, { type: 'explorer', request: { query: 'q', ref: 'x' } }, 'k'],
    [
      'a viewer_context of another organization',
      org,
      { type: 'explorer', request: { query: 'q' }, viewer_context: { organization_id: other } },
      'k',
    ],
    [
      'another organization in the request',
      org,
      { type: 'explorer', request: { query: 'q', organization_id: other } },
      'k',
    ],
    [
      'a project_id the request contradicts',
      org,
      { type: 'autofix', project_id: 7, request: { project_id: 8, issue: { id: 1, title: 't' } } },
      'k',
    ],
    [
      'nesting deeper than 64 levels',
      org,
      { type: 'feature_run', request: { feature_id: 'f', payload: deep(70) } },
      'k',
    ],
    [
      'a retry_token that is not a UUID',
      org,
      { type: 'explorer', request: { query: 'q' }, retry_token: 'x' },
      'k',
    ],
    ['an Idempotency-Key of 256 characters', org, explorer, 'k'.repeat(256)],
    ['an organization id out of range', 2 ** 60, explorer, 'k'],
  ])(
    '%s: refused before sending, with the 400 the API answers',
    async (_case, orgId, body, key) => {
      const answered = api.answeredInMs.length;
      const error = await client
        .startRun(orgId, body as RunBody, { idempotencyKey: key })
        .catch((err: unknown) => err);
      expect(api.answeredInMs).toHaveLength(answered);

      const fromApi = await api.call('POST', `/v1/organizations/${orgId}/seer-runs`, {
        body,
        headers: { 'idempotency-key': key },
      });
      expect(fromApi.status).toBe(400);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ sent: false, status: 400, code: 'invalid_request' });
      expect((error as InvalidRequestError).body).toEqual(fromApi.body);
    },
  );
});

describe('reads', () => {
  it('getRun is the GET body; an unknown run is 404 run_not_found', async () => {
    const org = uniqueOrgId();
    const outcome = await client.startRun(org, explorer);
    expect(outcome.status).toBe('LIVE');
    const runUuid = outcome.status === 'LIVE' ? outcome.run_uuid! : '';

    const fromApi = await api.call('GET', `/v1/organizations/${org}/seer-runs/${runUuid}`);
    expect(await client.getRun(org, runUuid)).toEqual(fromApi.body);
    await expect(client.getRun(org, randomUUID())).rejects.toMatchObject({
      status: 404,
      code: 'run_not_found',
    });
  });

  it("listRuns yields the organization's runs a page at a time", async () => {
    const org = uniqueOrgId();
    const made = new Set<string | null>();
    for (let i = 0; i < 3; i++) {
      const outcome = await client.startRun(org, explorer);
      if (outcome.status === 'LIVE') made.add(outcome.run_uuid);
    }
    expect(made.size).toBe(3);

    await eventually(async () => {
      const pages = [];
      for await (const page of client.listRuns(org, { status: 'LIVE', pageSize: 2 }))
        pages.push(page);
      expect(new Set(pages.flatMap((page) => page.runs.map((run) => run.run_uuid)))).toEqual(made);
      expect(pages[0]?.runs).toHaveLength(2);
      expect(pages.at(-1)?.next_page_token).toBeNull();
    });
  });

  it('waitForRun follows a PENDING run to LIVE once Seer is back', async () => {
    const org = uniqueOrgId();
    api.fakeSeer.configure({ outage: 'status_503' });
    const pending = await client.startRun(org, explorer, { deadline: Date.now() + 5_000 });
    expect(pending).toMatchObject({ status: 'PENDING', retry_token: expect.any(String) });
    const runUuid = pending.status === 'PENDING' ? pending.retry_token! : '';
    api.fakeSeer.configure({ outage: 'none' });

    const gets: ClientAnswer[] = [];
    const run = await client.waitForRun(org, runUuid, {
      deadline: Date.now() + 60_000,
      onAnswer: (answer) => gets.push(answer),
    });

    expect(run).toMatchObject({ run_uuid: runUuid, status: 'LIVE', run_id: expect.any(Number) });
    // At most the API's sync wait (2 s here) per request, within the deadline.
    expect(gets[0]?.path).toBe(`/v1/organizations/${org}/seer-runs/${runUuid}?wait=2`);
    expect(gets.every((get) => get.method === 'GET' && get.status === 200)).toBe(true);
    expect(seerRunsFor(api.fakeSeer, runUuid)).toHaveLength(1);
  });

  it('waitForRun of an unknown run is 404 run_not_found', async () => {
    await expect(client.waitForRun(uniqueOrgId(), randomUUID())).rejects.toMatchObject({
      status: 404,
      code: 'run_not_found',
    });
  });
});
