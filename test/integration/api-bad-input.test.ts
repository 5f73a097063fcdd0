// What the API refuses before anything starts: bad bodies, headers, paths and queries (each a 4xx
// naming the field, with no workflow made and nothing sent to Seer), and requests without a token.
import { WorkflowNotFoundError } from '@temporalio/client';
import { runUuidFor } from '../../src/api/idempotency';
import {
  bodyOf,
  startApi,
  TEST_TOKEN,
  uniqueOrgId,
  type ApiHarness,
  type CallOptions,
} from '../support/api';
import { httpRequest, rawRequest } from '../support/raw-http';

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
      'two keys of one object that NUL removal makes equal',
      () => ({
        raw: '{"type":"explorer","request":{"query":"q","metadata":{"a\\u0000":1,"a":2}}}',
        headers: json,
      }),
      400,
      'invalid_request',
      'request.metadata.a',
    ],
    [
      'two keys of one object that lone-surrogate removal makes equal',
      () => ({
        raw: '{"type":"explorer","request":{"query":"q","metadata":{"b":1,"b\\ud800":2}}}',
        headers: json,
      }),
      400,
      'invalid_request',
      'request.metadata.b',
    ],
    [
      'a key that becomes __proto__ once cleaned',
      () => ({
        raw: '{"type":"feature_run","request":{"feature_id":"f","payload":{"__proto\\u0000__":{"x":1}}}}',
        headers: json,
      }),
      400,
      'invalid_request',
      'request.payload.__proto__',
    ],
    [
      'a __proto__ key in a free-form field',
      () => ({
        raw: '{"type":"explorer","request":{"query":"q","metadata":{"__proto__":{"x":1}}}}',
        headers: json,
      }),
      400,
      'invalid_request',
      'request.metadata.__proto__',
    ],
    [
      'a body that is not valid UTF-8',
      () => ({
        raw: Buffer.concat([
          Buffer.from('{"type":"explorer","request":{"query":"'),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('"}}'),
        ]),
        headers: json,
      }),
      400,
      'invalid_request',
      '',
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

describe('a body at the edges of the contract is a 400, never a 500', () => {
  let api: ApiHarness;
  let org: number;
  beforeEach(async () => {
    api = await startApi({ noWorker: true });
    org = uniqueOrgId();
  });
  afterEach(async () => {
    await api.stop();
  });

  /** `{"a": {"a": ... 1}}`, `levels` objects deep. */
  const nested = (levels: number): unknown => {
    let value: unknown = 1;
    for (let level = 0; level < levels; level += 1) value = { a: value };
    return value;
  };
  // The body is level 1, `request` 2, the field's object 3: level 65 is 62 keys further in.
  const tooDeep = (field: string) => ['request', field, ...Array<string>(62).fill('a')].join('.');

  it.each([
    ['metadata', bodyOf('explorer', { request: { query: 'q', metadata: nested(2_200) } })],
    ['payload', bodyOf('feature_run', { request: { feature_id: 'f', payload: nested(2_200) } })],
  ])(
    '2,200 levels of nesting in %s are 400 naming where it went deeper than 64',
    async (field, body) => {
      const res = await api.post(org, body, { headers: { 'idempotency-key': KEY } });

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request' });
      expect(res.body.issues).toEqual([
        { path: tooDeep(field), message: 'nests deeper than 64 levels' },
      ]);
      await expect(
        api.temporal.workflow.getHandle(runUuidFor(org, KEY)).describe(),
      ).rejects.toBeInstanceOf(WorkflowNotFoundError);
      expect(api.fakeSeer.state.requests).toHaveLength(0);
    },
  );

  it.each([
    ['metadata', '{"query":"q","metadata":1e400}', 'request.metadata'],
    ['a list in metadata', '{"query":"q","metadata":{"v":[1,-1e999]}}', 'request.metadata.v.1'],
  ])(
    'a number beyond what JSON can carry (%s) is 400 naming it, not 500, and starts nothing',
    async (_case, request, path) => {
      const res = await api.call('POST', `/v1/organizations/${org}/seer-runs`, {
        raw: `{"type":"explorer","request":${request}}`,
        headers: { 'content-type': 'application/json', 'idempotency-key': KEY },
      });

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request' });
      expect(res.body.issues).toEqual([
        { path, message: 'is a number out of range (beyond ±1.8e308)' },
      ]);
      await expect(
        api.temporal.workflow.getHandle(runUuidFor(org, KEY)).describe(),
      ).rejects.toBeInstanceOf(WorkflowNotFoundError);
      expect(api.fakeSeer.state.requests).toHaveLength(0);
    },
  );

  it('the deepest nesting the 256 KiB limit allows is 400, not 500', async () => {
    const levels = 120_000;
    const res = await api.call('POST', `/v1/organizations/${org}/seer-runs`, {
      raw: `{"type":"explorer","request":{"query":"q","metadata":${'['.repeat(levels)}${']'.repeat(levels)}}}`,
      headers: { 'content-type': 'application/json' },
    });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(res.body.issues).toEqual([
      {
        path: ['request', 'metadata', ...Array<string>(62).fill('0')].join('.'),
        message: 'nests deeper than 64 levels',
      },
    ]);
  });

  it.each<[string, () => CallOptions]>([
    [
      'a 200 KB unknown field name',
      () => ({ body: { type: 'explorer', request: { query: 'q', ['k'.repeat(200_000)]: 1 } } }),
    ],
    [
      'a 200 KB envelope field name',
      () => ({ body: { ...bodyOf('explorer'), ['e'.repeat(200_000)]: 1 } }),
    ],
    ['a 200 KB run type', () => ({ body: { type: 't'.repeat(200_000), request: {} } })],
    [
      'a 200 KB retry_token',
      () => ({ body: bodyOf('explorer', { retry_token: 'r'.repeat(200_000) }) }),
    ],
    [
      'a 120 KB key that collides once cleaned',
      () => {
        const key = 'c'.repeat(120_000);
        return {
          raw: `{"type":"explorer","request":{"query":"q","metadata":{"${key}":1,"${key}\\u0000":2}}}`,
          headers: { 'content-type': 'application/json' },
        };
      },
    ],
    [
      'a 10 KB Idempotency-Key',
      () => ({ body: bodyOf('explorer'), headers: { 'idempotency-key': 'i'.repeat(10_000) } }),
    ],
  ])('%s is quoted in at most 100 characters', async (_case, call) => {
    const res = await api.call('POST', `/v1/organizations/${org}/seer-runs`, call());

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', detail: expect.any(String) });
    // Names and values of the client's appear cut to 100 characters and an ellipsis.
    expect(res.text).not.toMatch(/(.)\1{100}/);
    expect(res.text.length).toBeLessThan(1_000);
  });

  it('a 200 KB unknown field is named by its first 100 characters', async () => {
    const res = await api.post(org, {
      type: 'explorer',
      request: { query: 'q', ['k'.repeat(200_000)]: 1 },
    });

    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([
      { path: `request.${'k'.repeat(100)}…`, message: 'is not a field of this object' },
    ]);
  });

  it.each([
    ['twice with two values', ['Idempotency-Key: first', 'Idempotency-Key: second']],
    [
      'twice with one value, spelled differently',
      ['Idempotency-Key: first', 'idempotency-key: first'],
    ],
  ])('an Idempotency-Key sent %s is 400 and starts nothing', async (_case, keyLines) => {
    const body = JSON.stringify(bodyOf('explorer'));
    const res = await rawRequest(
      api.url,
      httpRequest(
        'POST',
        `/v1/organizations/${org}/seer-runs`,
        [`Authorization: Bearer ${TEST_TOKEN}`, 'Content-Type: application/json', ...keyLines],
        body,
      ),
    );

    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      detail: expect.stringContaining('Idempotency-Key'),
      issues: [{ path: 'Idempotency-Key', message: expect.any(String) }],
    });
    for (const key of ['first', 'second', 'first, second', 'first, first']) {
      await expect(
        api.temporal.workflow.getHandle(runUuidFor(org, key)).describe(),
      ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    expect(api.fakeSeer.state.requests).toHaveLength(0);
  });
});

describe('a body at the edges that the API keeps', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  it('a body 64 levels deep is accepted and reaches Seer intact, keys cleaned but none lost', async () => {
    let metadata: unknown = { 'x\u0000': 'y', 'x\u0000y': 1 };
    // The body is level 1, `request` 2: metadata's 62 objects reach level 64.
    for (let level = 1; level < 62; level += 1) metadata = { a: metadata };
    const res = await api.post(
      uniqueOrgId(),
      bodyOf('explorer', { request: { query: 'q', metadata } }),
    );

    expect(res.status).toBe(201);
    let sent = (api.fakeSeer.state.requests[0]?.body as { metadata: unknown }).metadata;
    for (let level = 1; level < 62; level += 1) sent = (sent as { a: unknown }).a;
    expect(sent).toEqual({ x: 'y', xy: 1 });
  });
});

describe("the router's own refusals are in the error shape", () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ noWorker: true });
  });
  afterAll(async () => {
    await api.stop();
  });

  const auth = `Authorization: Bearer ${TEST_TOKEN}`;
  const org = uniqueOrgId();

  // [case, request bytes, status, error]
  it.each<[string, string, number, string]>([
    ['an unknown route', httpRequest('GET', '/nope'), 404, 'not_found'],
    ['an unknown /v1 route', httpRequest('GET', '/v1/nope', [auth]), 404, 'not_found'],
    ['an unknown /v1 route without a token', httpRequest('GET', '/v1/nope'), 401, 'unauthorized'],
    [
      'a wrong method on a /v1 route',
      httpRequest('DELETE', `/v1/organizations/${org}/seer-runs`, [auth]),
      405,
      'method_not_allowed',
    ],
    [
      'a wrong method on a /v1 route without a token',
      httpRequest('DELETE', `/v1/organizations/${org}/seer-runs`),
      401,
      'unauthorized',
    ],
    [
      'a wrong method on an operations route',
      httpRequest('PUT', '/healthz'),
      405,
      'method_not_allowed',
    ],
    [
      'a malformed %-escape in a path parameter',
      httpRequest('GET', '/v1/organizations/%zz/seer-runs', [auth]),
      400,
      'invalid_request',
    ],
    [
      'a 2,000-character path parameter without a token',
      httpRequest('GET', `/v1/organizations/${'1'.repeat(2_000)}/seer-runs`),
      401,
      'unauthorized',
    ],
    [
      'a 2,000-character path parameter',
      httpRequest('GET', `/v1/organizations/${'1'.repeat(2_000)}/seer-runs`, [auth]),
      400,
      'invalid_request',
    ],
    ['a 100 KB path', httpRequest('GET', `/${'p'.repeat(100_000)}`), 414, 'request_too_large'],
    [
      'a 20 KB header',
      httpRequest('GET', '/healthz', [`X-Big: ${'h'.repeat(20_000)}`]),
      431,
      'request_too_large',
    ],
    [
      'a CR inside a header',
      httpRequest('GET', '/healthz', ['X-Bad: a\rb']),
      400,
      'invalid_request',
    ],
    [
      'an LF inside a header',
      httpRequest('GET', '/healthz', ['X-Bad: a\nb: c']),
      400,
      'invalid_request',
    ],
  ])('%s answers its status in the error shape, as JSON', async (_case, request, status, error) => {
    const res = await rawRequest(api.url, request);

    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ error, detail: expect.any(String) });
    expect(res.text.length).toBeLessThan(1_000);
  });

  it('a wrong method names the allowed ones in Allow', async () => {
    const [v1, ops] = await Promise.all([
      rawRequest(api.url, httpRequest('DELETE', `/v1/organizations/${org}/seer-runs`, [auth])),
      rawRequest(api.url, httpRequest('PUT', '/healthz')),
    ]);

    expect(v1.headers.allow).toBe('GET, HEAD, POST');
    expect(ops.headers.allow).toBe('GET, HEAD');
  });

  it('an over-long path parameter is named, not echoed', async () => {
    const res = await api.call('GET', `/v1/organizations/${'1'.repeat(2_000)}/seer-runs`);

    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'organization_id', message: expect.any(String) }]);
  });

  it('a 10 KB unknown path is quoted in at most 100 characters', async () => {
    const res = await api.call('GET', `/${'u'.repeat(10_000)}`);

    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', detail: `no route GET /${'u'.repeat(99)}…` });
  });
});
