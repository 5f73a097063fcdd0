// The fake Seer's route table and the order of its checks, over HTTP: each route's required
// fields come from seer-api.md, and a refusal comes from the first check that fails.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { FakeSeer } from '../../src/fake-seer/server';
import { rpcAuthorization } from '../../src/seer/sign';
import { fakeSeerPerTest } from '../support/fake-seer';

const SECRET = 'contract-secret';

// Valid bodies per route, written from the spec's table "Routes by run type".
const VALID: Record<string, Record<string, unknown>> = {
  '/v1/automation/explorer/chat': {
    external_idempotency_key: 'k',
    organization_id: 42,
    query: 'why?',
    run_id: null,
    insert_index: null,
    on_page_context: null,
  },
  '/v1/assisted-query/start': {
    external_idempotency_key: 'k',
    org_id: 42,
    org_slug: 'acme',
    project_ids: [7],
    natural_language_query: 'slow checkouts',
    strategy: 'default',
  },
  '/v1/automation/autofix/start': {
    external_idempotency_key: 'k',
    organization_id: 42,
    project_id: 7,
    issue: { id: 1, title: 'TypeError' },
  },
  '/v1/automation/agent/feature/run': {
    external_idempotency_key: 'k',
    feature_id: 'weekly-digest',
    payload: {},
    ref: 'k',
  },
  '/v1/automation/explorer/index': { projects: [] },
  '/v1/automation/explorer/index/org-project-knowledge': { org_id: 42, projects: [] },
};

const fakeSeer = fakeSeerPerTest(SECRET);

async function post(seer: FakeSeer, route: string, body: unknown, signed = true) {
  const bytes = Buffer.from(JSON.stringify(body));
  const response = await request(`${seer.url}${route}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signed ? { authorization: rpcAuthorization(SECRET, bytes) } : {}),
    },
    body: bytes,
  });
  return { status: response.statusCode, body: await response.body.text() };
}

const fieldsOf = Object.entries(VALID).flatMap(([route, body]) =>
  Object.keys(body).map((field) => [route, field] as const),
);

test.each(Object.keys(VALID))('a complete body on %s is answered 200', async (route) => {
  const seer = await fakeSeer();

  await expect(post(seer, route, VALID[route])).resolves.toMatchObject({ status: 200 });
});

test.each(fieldsOf)('%s without %s is refused 400 and makes no run', async (route, field) => {
  const seer = await fakeSeer();
  const body = Object.fromEntries(Object.entries(VALID[route]!).filter(([name]) => name !== field));

  await expect(post(seer, route, body)).resolves.toEqual({
    status: 400,
    body: JSON.stringify({ detail: `missing field ${field}` }),
  });
  expect(seer.state.runs).toEqual([]);
});

test('an autofix issue without its id is refused, down to the dotted field', async () => {
  const seer = await fakeSeer();
  const route = '/v1/automation/autofix/start';

  await expect(
    post(seer, route, { ...VALID[route], issue: { title: 'TypeError' } }),
  ).resolves.toEqual({ status: 400, body: '{"detail":"missing field issue.id"}' });
});

test('an unknown route is 404 and a GET on a Seer route is 405', async () => {
  const seer = await fakeSeer();

  await expect(post(seer, '/v1/nowhere', {})).resolves.toEqual({
    status: 404,
    body: '{"detail":"no route /v1/nowhere"}',
  });
  const get = await request(`${seer.url}/v1/automation/explorer/chat`);
  expect(get.statusCode).toBe(405);
  await expect(get.body.text()).resolves.toBe('{"detail":"POST only"}');
});

describe('the checks run in order: authenticate, validate, outage', () => {
  test('an unsigned, invalid request during an outage is refused as unsigned', async () => {
    const seer = await fakeSeer();
    seer.configure({ outage: 'status_503' });

    await expect(post(seer, '/v1/automation/explorer/chat', {}, false)).resolves.toEqual({
      status: 401,
      body: '{"detail":"invalid signature"}',
    });
  });

  test('a signed, invalid request during an outage is refused as invalid', async () => {
    const seer = await fakeSeer();
    seer.configure({ outage: 'status_503' });

    await expect(post(seer, '/v1/automation/explorer/chat', {})).resolves.toMatchObject({
      status: 400,
    });
  });

  test('an outage hits run routes only; the explorer follow-ups still answer', async () => {
    const seer = await fakeSeer();
    seer.configure({ outage: 'status_503' });
    const chat = {
      ...VALID['/v1/automation/explorer/chat'],
      external_idempotency_key: randomUUID(),
    };

    await expect(post(seer, '/v1/automation/explorer/chat', chat)).resolves.toEqual({
      status: 503,
      body: '{"detail":"Seer is unavailable (fake outage)"}',
    });
    await expect(
      post(seer, '/v1/automation/explorer/index', VALID['/v1/automation/explorer/index']),
    ).resolves.toEqual({ status: 200, body: '{}' });
    expect(seer.state.runs).toEqual([]);
  });

  test('an outage comes before a queued fault, which waits for the next request', async () => {
    const seer = await fakeSeer();
    const route = '/v1/automation/agent/feature/run';
    seer.queueFaults(route, [{ status: 500 }]);
    seer.configure({ outage: 'status_503' });

    await expect(post(seer, route, VALID[route])).resolves.toMatchObject({ status: 503 });
    seer.configure({ outage: 'none' });
    await expect(post(seer, route, VALID[route])).resolves.toMatchObject({ status: 500 });
    await expect(post(seer, route, VALID[route])).resolves.toEqual({
      status: 200,
      body: '{"run_id":1}',
    });
  });
});
