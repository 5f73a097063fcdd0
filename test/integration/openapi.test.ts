// The OpenAPI document tells the truth: the served one is docs/openapi.json, it is OpenAPI 3.1, each
// operation declares every status it can answer (errors with their codes as an enum), its headers
// and bounds; and what the API answers, over HTTP, is what the document declares.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApiErrorCode } from '../../src/contract/error-codes';
import { openapiText } from '../../src/api/openapi';
import { OPENAPI_FILE } from '../../src/api/openapi-cli';
import {
  bodyOf,
  startApi,
  TEST_TOKEN,
  uniqueOrgId,
  type ApiHarness,
  type ApiResponse,
} from '../support/api';
import { rawRequest } from '../support/raw-http';

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  description?: string;
  [keyword: string]: unknown;
}
interface Answer {
  description: string;
  headers?: Record<string, { required?: boolean; schema: Schema; description?: string }>;
  content?: Record<string, { schema: Schema }>;
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: Array<{ in: string; name: string; required?: boolean; schema: Schema }>;
  requestBody?: { description?: string; content: Record<string, { schema: Schema }> };
  responses: Record<string, Answer>;
}
interface Document {
  openapi: string;
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
}

const CREATE = '/v1/organizations/{organization_id}/seer-runs';
const ONE = '/v1/organizations/{organization_id}/seer-runs/{run_uuid}';
const ROUTER = ['405', '408', '414', '431'];
const V1 = [...ROUTER, '400', '401', '403', '500', '503'];
const OPS = [...ROUTER, '200', '400', '500', '503'];

/** Every status each operation can answer (README "HTTP API"; src/api/routes). */
const STATUSES: Record<string, Record<string, string[]>> = {
  [CREATE]: {
    post: [...V1, '200', '201', '404', '413', '415', '422', '502'],
    get: [...V1, '200'],
  },
  [ONE]: { get: [...V1, '200', '404'] },
  '/healthz': { get: OPS },
  '/readyz': { get: OPS },
  '/metrics': { get: OPS },
  '/openapi.json': { get: OPS },
};

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

function operations(document: Document): Array<[string, string, Operation]> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): [string, string, Operation] => [
      path,
      method,
      operation,
    ]),
  );
}

function jsonSchema(answer: Answer | undefined): Schema {
  const schema = answer?.content?.['application/json']?.schema;
  if (schema === undefined) throw new Error('no application/json schema');
  return schema;
}

describe('the OpenAPI document', () => {
  let api: ApiHarness;
  let document: Document;
  let org: number;
  beforeAll(async () => {
    api = await startApi({
      env: {
        SYNC_WAIT_TIMEOUT_MS: '10000',
        SEER_RUNS_API_TOKENS: JSON.stringify({ [TEST_TOKEN]: '*', 'one-org': [1] }),
      },
    });
    const served = await api.call('GET', '/openapi.json', { token: null });
    expect(served.status).toBe(200);
    document = served.body as unknown as Document;
  });
  afterAll(async () => {
    await api.stop();
  });
  beforeEach(() => {
    org = uniqueOrgId();
  });

  it('served is docs/openapi.json, byte for byte once keys are sorted (when this fails: npm run openapi)', () => {
    const checkedIn: unknown = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));

    expect(openapiText(document)).toBe(openapiText(checkedIn));
  });

  it('is OpenAPI 3.1 with every route, a bearer token on /v1 and none on the operations routes', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(
      Object.fromEntries(
        Object.entries(document.paths).map(([path, item]) => [path, sorted(Object.keys(item))]),
      ),
    ).toEqual(
      Object.fromEntries(
        Object.entries(STATUSES).map(([path, item]) => [path, sorted(Object.keys(item))]),
      ),
    );
    for (const [path, , operation] of operations(document)) {
      if (!path.startsWith('/v1/')) expect(operation.security).toEqual([]);
      else expect(operation.security).toBeUndefined();
    }
  });

  it('declares every status each operation can answer', () => {
    for (const [path, method, operation] of operations(document)) {
      expect([path, method, sorted(Object.keys(operation.responses))]).toEqual([
        path,
        method,
        sorted(STATUSES[path]?.[method] ?? []),
      ]);
    }
  });

  it("every error answer enumerates its codes, and together they are all the API's codes", () => {
    const declared = new Set<string>();
    for (const [path, method, operation] of operations(document)) {
      for (const [status, answer] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const schema = jsonSchema(answer);
        expect([path, method, status, schema.required]).toEqual([
          path,
          method,
          status,
          ['error', 'detail'],
        ]);
        const codes = schema.properties?.error?.enum ?? [];
        expect([path, method, status, codes.length > 0]).toEqual([path, method, status, true]);
        for (const code of codes) declared.add(String(code));
      }
    }
    // not_found is the answer of a path the document does not have.
    expect(sorted(declared)).toEqual(
      sorted(Object.values(ApiErrorCode).filter((code) => code !== ApiErrorCode.not_found)),
    );
  });

  it('states the headers: Idempotency-Key in, Location, Retry-After, Allow and WWW-Authenticate out', () => {
    const post = document.paths[CREATE]?.post;
    const key = post?.parameters?.find((p) => p.in === 'header' && p.name === 'idempotency-key');
    expect(key).toMatchObject({
      required: false,
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: '^[\\x21-\\x7e](?:[\\x20-\\x7e]*[\\x21-\\x7e])?$',
      },
    });
    expect(post?.responses['201']?.headers?.location).toMatchObject({ required: true });
    expect(post?.responses['500']?.headers?.['retry-after']).toMatchObject({
      schema: { type: 'integer' },
    });
    expect(post?.responses['502']?.headers?.['retry-after']).toBeDefined();
    for (const [path, method, operation] of operations(document)) {
      const where = `${method} ${path}`;
      expect([where, operation.responses['405']?.headers?.allow?.required]).toEqual([where, true]);
      expect([where, operation.responses['503']?.headers?.['retry-after']]).toEqual([
        where,
        expect.objectContaining({ schema: expect.objectContaining({ type: 'integer' }) }),
      ]);
      if (path.startsWith('/v1/')) {
        expect([where, operation.responses['401']?.headers?.['www-authenticate']]).toEqual([
          where,
          expect.objectContaining({ required: true }),
        ]);
      }
    }
  });

  it('states the bounds: body size and nesting, page_size 1..1000, wait 0..the sync wait, ids', () => {
    const body = document.paths[CREATE]?.post?.requestBody;
    expect(body?.description).toContain('262144 bytes');
    expect(body?.content['application/json']?.schema).toMatchObject({
      'x-max-body-bytes': 262144,
      'x-max-nesting-depth': 64,
    });
    const param = (path: string, method: string, name: string) =>
      document.paths[path]?.[method]?.parameters?.find((p) => p.name === name)?.schema;
    expect(param(CREATE, 'get', 'page_size')).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
    expect(param(CREATE, 'get', 'next_page_token')).toMatchObject({
      minLength: 1,
      maxLength: 8192,
    });
    expect(param(ONE, 'get', 'wait')).toMatchObject({ type: 'integer', minimum: 0, maximum: 10 });
    expect(param(ONE, 'get', 'organization_id')).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    });
  });

  it('lists the rules a schema cannot state in the 400 it gets', () => {
    const post = document.paths[CREATE]?.post;
    const rules = `${post?.requestBody?.description} ${post?.responses['400']?.description}`;
    for (const rule of [
      'viewer_context.organization_id',
      'organization field',
      'project_id',
      'not UTF-8',
      '__proto__',
      'more than once',
    ]) {
      expect(rules).toContain(rule);
    }
  });

  /** Holds one answer to its operation's declaration: status, `error` code, fields, headers. */
  function expectDeclared(path: string, method: string, res: ApiResponse): void {
    const answer = document.paths[path]?.[method]?.responses[String(res.status)];
    expect([method, path, res.status, answer === undefined]).toEqual([
      method,
      path,
      res.status,
      false,
    ]);
    for (const [name, header] of Object.entries(answer?.headers ?? {})) {
      if (header.required)
        expect([res.status, name, res.headers.has(name)]).toEqual([res.status, name, true]);
    }
    const schema = jsonSchema(answer);
    const fields = Object.keys(schema.properties ?? {});
    for (const field of Object.keys(res.body)) {
      expect([res.status, field, fields.includes(field)]).toEqual([res.status, field, true]);
    }
    if (res.status >= 400) {
      expect(schema.properties?.error?.enum).toContain(res.body.error);
    }
  }

  it('what the API answers is what the document declares', async () => {
    const runs = `/v1/organizations/${org}/seer-runs`;
    const key = { 'idempotency-key': `openapi-${org}` };
    const created = await api.post(org, bodyOf('explorer'), { headers: key });
    expect(created.status).toBe(201);
    const answers: Array<[string, string, Promise<ApiResponse>]> = [
      [CREATE, 'post', Promise.resolve(created)],
      [CREATE, 'post', api.post(org, bodyOf('explorer'), { headers: key })],
      [CREATE, 'post', api.post(org, bodyOf('assisted_query'), { headers: key })],
      [CREATE, 'post', api.post(org, bodyOf('explorer'), { token: null })],
      [CREATE, 'post', api.post(org, bodyOf('explorer'), { token: 'one-org' })],
      [CREATE, 'post', api.post(org, { type: 'explorer', request: {} })],
      [CREATE, 'post', api.post(org, bodyOf('explorer', { retry_token: randomUUID() }))],
      [CREATE, 'post', api.post(org, 'x'.repeat(300 * 1024))],
      [
        CREATE,
        'post',
        api.call('POST', runs, { raw: 'query', headers: { 'content-type': 'text/plain' } }),
      ],
      [CREATE, 'get', api.call('GET', `${runs}?page_size=0`)],
      [CREATE, 'get', api.call('GET', `${runs}?page_size=1000`)],
      [CREATE, 'get', api.call('PUT', runs)],
      [CREATE, 'get', api.call('QUERY', runs)],
      [CREATE, 'get', api.call('DELETE', runs, { token: null })],
      [ONE, 'get', api.call('GET', `${runs}/${created.body.run_uuid}?wait=1`)],
      [ONE, 'get', api.call('GET', `${runs}/${randomUUID()}`)],
      [ONE, 'get', api.call('GET', `${runs}/not-a-uuid`)],
      [ONE, 'get', api.call('PATCH', `${runs}/${created.body.run_uuid}`, { body: {} })],
      ['/healthz', 'get', api.call('GET', '/healthz', { token: null })],
      ['/healthz', 'get', api.call('POST', '/healthz', { token: null, body: {} })],
      ['/readyz', 'get', api.call('GET', '/readyz', { token: null })],
      ['/openapi.json', 'get', api.call('QUERY', '/openapi.json', { token: null })],
    ];
    const statuses: number[] = [];
    for (const [path, method, pending] of answers) {
      const res = await pending;
      statuses.push(res.status);
      expectDeclared(path, method, res);
    }
    expect(sorted(new Set(statuses.map(String)))).toEqual(
      sorted(['200', '201', '400', '401', '403', '404', '405', '413', '415', '422']),
    );
  });

  it('an undeclared method, QUERY included, is 405 method_not_allowed with Allow, body or not', async () => {
    const runs = `/v1/organizations/${org}/seer-runs`;
    const answers = await Promise.all([
      api.call('QUERY', runs),
      api.call('QUERY', runs, { body: { type: 'explorer' } }),
      api.call('QUERY', runs, { raw: '{', headers: { 'content-type': 'application/json' } }),
      api.call('PUT', `${runs}/${randomUUID()}`, {
        raw: 'x',
        headers: { 'content-type': 'text/plain' },
      }),
    ]);
    const trace = await rawRequest(
      api.url,
      `TRACE ${runs} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_TOKEN}\r\nConnection: close\r\n\r\n`,
    );

    for (const res of answers) {
      expect(res.status).toBe(405);
      expect(res.body.error).toBe('method_not_allowed');
      expect(res.headers.get('allow')).toMatch(/^(GET, HEAD, POST|GET, HEAD)$/);
    }
    expect(trace).toMatchObject({
      status: 405,
      headers: { allow: 'GET, HEAD, POST' },
      body: { error: 'method_not_allowed' },
    });
  });
});
