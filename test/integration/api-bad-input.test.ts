// What the API refuses before anything starts: bad bodies, headers, paths and queries (each a 4xx
// naming the field, with no workflow made and nothing sent to Seer), and requests without a token.
import { WorkflowNotFoundError } from '@temporalio/client';
import { runUuidFor } from '../../src/api/idempotency';
import { bodyOf, startApi, uniqueOrgId, type ApiHarness, type CallOptions } from '../support/api';

const KEY = 'bad-input';

describe('a POST the API refuses starts nothing', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    // No worker: a workflow started by mistake would still be found by describe().
    api = await startApi({ noWorker: true });
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  const json = { 'content-type': 'application/json' };
  const explorer = (request: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    bodyOf('explorer', { request: { query: 'q', ...request }, ...extra });

  // [case, call, status, error, the issue path (or null: the detail names the problem)]
  const cases: Array<[string, (org: number) => CallOptions, number, string, string | null]> = [
    [
      'JSON that does not parse',
      () => ({ raw: '{"type": "explorer",', headers: json }),
      400,
      'invalid_request',
      '',
    ],
    ['an empty JSON body', () => ({ raw: '', headers: json }), 400, 'invalid_request', ''],
    ['a body that is a list', () => ({ body: [bodyOf('explorer')] }), 400, 'invalid_request', ''],
    [
      'a request field of the wrong type',
      () => ({ body: explorer({ query: 5 }) }),
      400,
      'invalid_request',
      'request.query',
    ],
    [
      'an unknown run type',
      () => ({ body: { type: 'summarize', request: {} } }),
      400,
      'invalid_request',
      'type',
    ],
    ['no request', () => ({ body: { type: 'explorer' } }), 400, 'invalid_request', 'request'],
    [
      'an unknown envelope field',
      () => ({ body: explorer({}, { priority: 1 }) }),
      400,
      'invalid_request',
      'priority',
    ],
    [
      'an unknown request field',
      () => ({ body: explorer({ colour: 'red' }) }),
      400,
      'invalid_request',
      'request.colour',
    ],
    [
      'a negative project_id',
      () => ({ body: explorer({}, { project_id: -1 }) }),
      400,
      'invalid_request',
      'project_id',
    ],
    [
      'a client-chosen external_idempotency_key',
      () => ({ body: explorer({ external_idempotency_key: 'mine' }) }),
      400,
      'invalid_request',
      'request.external_idempotency_key',
    ],
    [
      'a client-chosen ref',
      () => ({
        body: bodyOf('feature_run', { request: { feature_id: 'f', payload: {}, ref: 'mine' } }),
      }),
      400,
      'invalid_request',
      'request.ref',
    ],
    [
      'a client-chosen ref on a pr_review',
      () => ({ body: bodyOf('pr_review', { request: { ref: 'mine' } }) }),
      400,
      'invalid_request',
      'request.ref',
    ],
    [
      'a request naming another organization',
      (o) => ({ body: explorer({ organization_id: o + 1 }) }),
      400,
      'invalid_request',
      'request.organization_id',
    ],
    [
      'an assisted_query naming another org_id',
      (o) => ({
        body: bodyOf('assisted_query', {
          request: {
            org_id: o + 1,
            org_slug: 's',
            project_ids: [],
            natural_language_query: 'q',
            strategy: 's',
          },
        }),
      }),
      400,
      'invalid_request',
      'request.org_id',
    ],
    [
      'a request project_id unlike the run project_id',
      () => ({ body: explorer({ project_id: 2 }, { project_id: 3 }) }),
      400,
      'invalid_request',
      'request.project_id',
    ],
    [
      'an autofix with no project anywhere',
      () => ({ body: bodyOf('autofix', { project_id: undefined }) }),
      400,
      'invalid_request',
      'request.project_id',
    ],
    [
      'a viewer_context of another organization',
      (o) => ({ body: explorer({}, { viewer_context: { organization_id: o + 1 } }) }),
      400,
      'invalid_request',
      'viewer_context.organization_id',
    ],
    [
      'a viewer_context without organization',
      () => ({ body: explorer({}, { viewer_context: { user_id: 1 } }) }),
      400,
      'invalid_request',
      'viewer_context.organization_id',
    ],
    [
      'a query that is empty once NUL characters are removed',
      () => ({ body: explorer({ query: '\u0000\u0000' }) }),
      400,
      'invalid_request',
      'request.query',
    ],
    [
      'a retry_token that is not a UUID',
      () => ({ body: explorer({}, { retry_token: 'run-1' }) }),
      400,
      'invalid_request',
      'retry_token',
    ],
    [
      'an Idempotency-Key over 255 characters',
      () => ({ body: explorer({}), headers: { 'idempotency-key': 'k'.repeat(256) } }),
      400,
      'invalid_request',
      'Idempotency-Key',
    ],
    [
      'an Idempotency-Key with non-ASCII characters',
      () => ({ body: explorer({}), headers: { 'idempotency-key': 'cl\u00e9' } }),
      400,
      'invalid_request',
      'Idempotency-Key',
    ],
    [
      'a body over 256 KiB',
      () => ({ body: explorer({ query: 'x'.repeat(300 * 1024) }) }),
      413,
      'payload_too_large',
      null,
    ],
    [
      'a text/plain body',
      () => ({ raw: JSON.stringify(explorer({})), headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
      null,
    ],
    [
      'a form body',
      () => ({
        raw: 'type=explorer',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'unsupported_media_type',
      null,
    ],
  ];

  it.each(cases)('%s is refused naming the field', async (_case, call, status, error, path) => {
    const { headers = {}, ...rest } = call(org);
    const res = await api.call('POST', `/v1/organizations/${org}/seer-runs`, {
      ...rest,
      headers: { 'idempotency-key': KEY, ...headers },
    });

    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error, detail: expect.any(String) });
    if (path !== null) {
      expect(res.body.issues).toEqual(
        expect.arrayContaining([{ path, message: expect.any(String) }]),
      );
      if (path !== '') expect(res.body.detail).toContain(path);
    }
    await expect(
      api.temporal.workflow.getHandle(runUuidFor(org, KEY)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });

  it('an organization id that is not a number is 400 naming organization_id', async () => {
    const res = await api.call('POST', '/v1/organizations/acme/seer-runs', {
      body: bodyOf('explorer'),
    });

    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'organization_id', message: expect.any(String) }]);
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });
});

describe('a read the API refuses', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    api = await startApi({ noWorker: true });
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  it('GET with a run_uuid that is not a UUID is 400 naming run_uuid', async () => {
    const res = await api.call('GET', `/v1/organizations/${org}/seer-runs/run-1`);

    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'run_uuid', message: expect.any(String) }]);
  });

  it.each([
    ['page_size=0', 'page_size'],
    ['page_size=1001', 'page_size'],
    ['page_size=ten', 'page_size'],
    ['status=DONE', 'status'],
    ['type=summary', 'type'],
    ['next_page_token=%25%25', 'next_page_token'],
    ['next_page_token=bm90LWEtdG9rZW4', 'next_page_token'],
  ])('listing with %s is 400 naming %s', async (query, parameter) => {
    const res = await api.call('GET', `/v1/organizations/${org}/seer-runs?${query}`);

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(res.body.issues).toEqual([{ path: parameter, message: expect.any(String) }]);
    expect(res.body.detail).toContain(parameter);
  });
});

describe('auth', () => {
  let api: ApiHarness;
  let org: number;
  let otherOrg: number;
  beforeEach(async () => {
    org = uniqueOrgId();
    otherOrg = org + 1;
    api = await startApi({
      noWorker: true,
      env: { SEER_RUNS_API_TOKENS: JSON.stringify({ 'org-token': [org], 'all-token': '*' }) },
    });
  });
  afterEach(async () => {
    await api.stop();
  });

  it.each<[string, CallOptions]>([
    ['no token', { token: null }],
    ['an unknown token', { token: 'org-token-2' }],
    [
      'a token in another scheme',
      { headers: { authorization: 'Basic b3JnLXRva2VuOg==' }, token: null },
    ],
  ])('%s is 401 unauthorized on every /v1 route, before the body is read', async (_case, auth) => {
    const answers = await Promise.all([
      api.call('POST', `/v1/organizations/${org}/seer-runs`, {
        ...auth,
        raw: '{not json',
        headers: { 'content-type': 'application/json', ...auth.headers },
      }),
      api.call(
        'GET',
        `/v1/organizations/${org}/seer-runs/3b241101-e2bb-4255-8caf-4136c566a962`,
        auth,
      ),
      api.call('GET', `/v1/organizations/${org}/seer-runs`, auth),
    ]);

    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'unauthorized', detail: expect.any(String) });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('a token of another organization is 403 forbidden', async () => {
    const answers = await Promise.all([
      api.post(otherOrg, bodyOf('explorer'), { token: 'org-token' }),
      api.call('GET', `/v1/organizations/${otherOrg}/seer-runs`, { token: 'org-token' }),
    ]);

    for (const res of answers) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: 'forbidden',
        detail: expect.stringContaining(String(otherOrg)),
      });
    }
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });

  it("a token acts for its own organizations, and '*' for all", async () => {
    const own = await api.call('GET', `/v1/organizations/${org}/seer-runs`, { token: 'org-token' });
    const any = await api.call('GET', `/v1/organizations/${otherOrg}/seer-runs`, {
      token: 'all-token',
    });

    expect(own.status).toBe(200);
    expect(any.status).toBe(200);
  });

  it('the operations routes need no token', async () => {
    const answers = await Promise.all(
      ['/healthz', '/metrics', '/openapi.json'].map((path) =>
        api.call('GET', path, { token: null }),
      ),
    );

    expect(answers.map((res) => res.status)).toEqual([200, 200, 200]);
  });
});

describe('the development token', () => {
  it('acts for every organization when no tokens are configured outside production', async () => {
    const api = await startApi({ noWorker: true, env: { SEER_RUNS_API_TOKENS: '' } });
    try {
      const res = await api.call('GET', `/v1/organizations/${uniqueOrgId()}/seer-runs`, {
        token: 'dev-token',
      });
      expect(res.status).toBe(200);
    } finally {
      await api.stop();
    }
  });
});
