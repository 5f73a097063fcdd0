// The Seer client against the in-process fake Seer on port 0: real HTTP, signatures, faults.
// No Temporal server: this is the bottom layer, where the decision table meets the wire.
import { createHash, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { startFakeSeer, type FakeSeer, type FakeSeerOptions } from '../../src/fake-seer/server';
import { SeerRoute } from '../../src/domain';
import { SeerClient, type SeerClientOptions } from '../../src/seer/client';
import { rpcAuthorization, signBody } from '../../src/seer/sign';

const SECRET = 'test-secret';

const explorerRequest = {
  organization_id: 42,
  query: 'why is checkout slow?',
  run_id: null,
  insert_index: null,
  on_page_context: null,
  project_id: 7,
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  fake: Partial<FakeSeerOptions> = {},
  client: Partial<SeerClientOptions> = {},
): Promise<{ seer: FakeSeer; client: SeerClient }> {
  const seer = await startFakeSeer({ sharedSecret: SECRET, control: true, ...fake });
  cleanups.push(() => seer.close());
  const seerClient = new SeerClient({
    baseUrl: seer.url,
    sharedSecret: SECRET,
    requestTimeoutMs: 2_000,
    ...client,
  });
  cleanups.push(() => seerClient.close());
  return { seer, client: seerClient };
}

function startExplorer(client: SeerClient, runUuid = randomUUID(), signal?: AbortSignal) {
  return client.startRun({
    type: 'explorer',
    runUuid,
    request: explorerRequest,
    viewerContext: null,
    ...(signal ? { signal } : {}),
  });
}

describe('SeerClient.startRun', () => {
  test('an explorer run goes live with the run id Seer made, and its flags', async () => {
    const { seer, client } = await setup();
    const runUuid = randomUUID();

    await expect(startExplorer(client, runUuid)).resolves.toEqual({
      kind: 'live',
      runId: 1,
      hasExplorerIndex: true,
      hasOrgProjectContext: true,
    });
    expect(seer.state.runs).toEqual([
      {
        key: runUuid,
        route: SeerRoute.explorerChat,
        run_id: 1,
        created_at: expect.any(Number) as number,
      },
    ]);
  });

  test('Seer verifies the signature and sees the idempotency key and JSON content type', async () => {
    const { seer, client } = await setup();
    const runUuid = randomUUID();

    await startExplorer(client, runUuid);

    expect(seer.state.requests).toMatchObject([
      {
        route: SeerRoute.explorerChat,
        key: runUuid,
        signature_ok: true,
        viewer_context_ok: null,
        status: 200,
        headers: { 'content-type': 'application/json;charset=utf-8' },
        body: { ...explorerRequest, external_idempotency_key: runUuid },
      },
    ]);
  });

  test('the bytes signed are exactly the bytes sent', async () => {
    const { seer, client } = await setup();
    const runUuid = randomUUID();

    await startExplorer(client, runUuid);

    const sent = Buffer.from(
      JSON.stringify({ ...explorerRequest, external_idempotency_key: runUuid }),
    );
    const [received] = seer.state.requests;
    expect(received?.body_sha256).toBe(createHash('sha256').update(sent).digest('hex'));
    expect(received?.headers.authorization).toBe(rpcAuthorization(SECRET, sent));
  });

  test('a null viewer context sends no viewer headers', async () => {
    const { seer, client } = await setup();

    await startExplorer(client);

    expect(seer.state.requests[0]?.headers).toMatchObject({
      'x-viewer-context': undefined,
      'x-viewer-context-signature': undefined,
    });
  });

  test('a viewer context is sent signed, and Seer verifies it', async () => {
    const { seer, client } = await setup();

    await client.startRun({
      type: 'explorer',
      runUuid: randomUUID(),
      request: explorerRequest,
      viewerContext: { organization_id: 42, user_id: 9 },
    });

    const [received] = seer.state.requests;
    expect(received?.viewer_context_ok).toBe(true);
    expect(received?.headers['x-viewer-context']).toBe(
      '{"actor_type":"unknown","organization_id":42,"user_id":9}',
    );
  });

  test('a wrong shared secret is terminal seer_rejected 401, and Seer creates nothing', async () => {
    const { seer, client } = await setup({}, { sharedSecret: 'not-the-secret' });

    await expect(startExplorer(client)).resolves.toMatchObject({
      kind: 'terminal',
      reason: 'seer_rejected',
      seerStatus: 401,
    });
    expect(seer.state.requests[0]?.signature_ok).toBe(false);
    expect(seer.state.runs).toEqual([]);
  });

  test('a repeated idempotency key answers the same run_id and makes no second run', async () => {
    const { seer, client } = await setup();
    const runUuid = randomUUID();

    const first = await startExplorer(client, runUuid);
    const second = await startExplorer(client, runUuid);
    const other = await startExplorer(client);

    expect(first).toMatchObject({ kind: 'live', runId: 1 });
    expect(second).toMatchObject({ kind: 'live', runId: 1 });
    expect(other).toMatchObject({ kind: 'live', runId: 2 });
    expect(seer.state.runs).toHaveLength(2);
  });

  test('a Seer counting from 0 makes run 0, and run 0 is live', async () => {
    const { client } = await setup({ firstRunId: 0 });

    await expect(startExplorer(client)).resolves.toMatchObject({ kind: 'live', runId: 0 });
  });

  test('a feature run sends the run uuid as ref as well as the idempotency key', async () => {
    const { seer, client } = await setup();
    const runUuid = randomUUID();

    await expect(
      client.startRun({
        type: 'feature_run',
        runUuid,
        request: { feature_id: 'weekly-digest', payload: { week: 47 } },
        viewerContext: null,
      }),
    ).resolves.toMatchObject({ kind: 'live', runId: 1 });
    expect(seer.state.requests[0]?.body).toEqual({
      feature_id: 'weekly-digest',
      payload: { week: 47 },
      external_idempotency_key: runUuid,
      ref: runUuid,
    });
    expect(seer.state.runs[0]).toMatchObject({ route: SeerRoute.featureRun, key: runUuid });
  });

  test('NUL characters and lone surrogates never reach Seer', async () => {
    const { seer, client } = await setup();

    await client.startRun({
      type: 'explorer',
      runUuid: randomUUID(),
      request: {
        ...explorerRequest,
        query: 'null\u0000byte and a lone \uD800surrogate',
        metadata: { 'k\u0000ey': ['\uDC00x', '😀 stays'] },
      },
      viewerContext: null,
    });

    expect(seer.state.requests[0]?.body).toMatchObject({
      query: 'nullbyte and a lone surrogate',
      metadata: { key: ['x', '😀 stays'] },
    });
  });

  test('a Seer slower than the request timeout is transient', async () => {
    const { seer, client } = await setup({}, { requestTimeoutMs: 100 });
    seer.queueFaults(SeerRoute.explorerChat, [{ delay_ms: 1_000 }]);

    const outcome = await startExplorer(client);

    expect(outcome).toMatchObject({ kind: 'transient' });
    expect(['UND_ERR_HEADERS_TIMEOUT', 'TimeoutError']).toContain(
      outcome.kind === 'transient' && outcome.cause,
    );
  });

  test('a Seer that never answers is transient once the request timeout passes', async () => {
    const { seer, client } = await setup({}, { requestTimeoutMs: 100 });
    seer.queueFaults(SeerRoute.explorerChat, [{ hang: true }]);

    await expect(startExplorer(client)).resolves.toMatchObject({ kind: 'transient' });
  });

  test('a connection dropped before Seer answers is transient, and no run is made', async () => {
    const { seer, client } = await setup();
    seer.queueFaults(SeerRoute.explorerChat, [{ drop: 'before' }]);

    await expect(startExplorer(client)).resolves.toEqual({
      kind: 'transient',
      cause: 'UND_ERR_SOCKET',
    });
    expect(seer.state.runs).toEqual([]);
  });

  test('an answer lost after Seer made the run is transient; the retry gets the same run_id', async () => {
    const { seer, client } = await setup();
    const runUuid = randomUUID();
    seer.queueFaults(SeerRoute.explorerChat, [{ drop: 'after_create' }]);

    await expect(startExplorer(client, runUuid)).resolves.toMatchObject({ kind: 'transient' });
    await expect(startExplorer(client, runUuid)).resolves.toMatchObject({
      kind: 'live',
      runId: 1,
    });
    expect(seer.state.runs).toHaveLength(1);
  });

  test('a refused connection is transient ECONNREFUSED', async () => {
    const gone = await startFakeSeer({ sharedSecret: SECRET });
    await gone.close();
    const client = new SeerClient({
      baseUrl: gone.url,
      sharedSecret: SECRET,
      requestTimeoutMs: 2_000,
    });
    cleanups.push(() => client.close());

    await expect(startExplorer(client)).resolves.toEqual({
      kind: 'transient',
      cause: 'ECONNREFUSED',
    });
  });

  test("a 429 is transient with Seer's Retry-After, uncapped", async () => {
    const { seer, client } = await setup();
    seer.queueFaults(SeerRoute.explorerChat, [{ status: 429, headers: { 'retry-after': '120' } }]);

    await expect(startExplorer(client)).resolves.toEqual({
      kind: 'transient',
      seerStatus: 429,
      retryAfterMs: 120_000,
      cause: 'http_429',
    });
  });

  test('a 503 is transient, and the fault queue then gives way to normal answers', async () => {
    const { seer, client } = await setup();
    const runUuid = randomUUID();
    seer.queueFaults(SeerRoute.explorerChat, [{ status: 503, body: 'busy' }]);

    await expect(startExplorer(client, runUuid)).resolves.toMatchObject({
      kind: 'transient',
      seerStatus: 503,
    });
    await expect(startExplorer(client, runUuid)).resolves.toMatchObject({ kind: 'live' });
  });

  test('a 2xx list body is terminal invalid_json_body, with what Seer said', async () => {
    const { seer, client } = await setup();
    seer.queueFaults(SeerRoute.explorerChat, [{ status: 200, body: '[{"run_id": 5}]' }]);

    await expect(startExplorer(client)).resolves.toEqual({
      kind: 'terminal',
      reason: 'invalid_json_body',
      seerStatus: 200,
      bodySnippet: '[{"run_id": 5}]',
    });
  });

  test('a 2xx body of invalid UTF-8 bytes is terminal invalid_json_body', async () => {
    const { seer, client } = await setup();
    const bytes = Buffer.from([...Buffer.from('{"run_id": "'), 0xc3, 0x28, 0x22, 0x7d]);
    seer.queueFaults(SeerRoute.explorerChat, [{ body_base64: bytes.toString('base64') }]);

    await expect(startExplorer(client)).resolves.toMatchObject({
      kind: 'terminal',
      reason: 'invalid_json_body',
    });
  });

  test('a 204 is terminal invalid_json_body', async () => {
    const { seer, client } = await setup();
    seer.queueFaults(SeerRoute.explorerChat, [{ status: 204 }]);

    await expect(startExplorer(client)).resolves.toMatchObject({
      kind: 'terminal',
      reason: 'invalid_json_body',
      seerStatus: 204,
    });
  });

  test('a 302 is terminal seer_rejected and is not followed', async () => {
    const { seer, client } = await setup();
    seer.queueFaults(SeerRoute.explorerChat, [
      { status: 302, headers: { location: `${seer.url}${SeerRoute.featureRun}` } },
    ]);

    await expect(startExplorer(client)).resolves.toMatchObject({
      kind: 'terminal',
      reason: 'seer_rejected',
      seerStatus: 302,
    });
    expect(seer.state.requests).toHaveLength(1);
  });

  test('a request missing a required field is rejected by Seer: terminal seer_rejected 400', async () => {
    const { seer, client } = await setup();
    const withoutQuery: Record<string, unknown> = { ...explorerRequest };
    delete withoutQuery.query;

    await expect(
      client.startRun({
        type: 'explorer',
        runUuid: randomUUID(),
        request: withoutQuery,
        viewerContext: null,
      }),
    ).resolves.toMatchObject({
      kind: 'terminal',
      reason: 'seer_rejected',
      seerStatus: 400,
      bodySnippet: expect.stringContaining('query') as string,
    });
    expect(seer.state.runs).toEqual([]);
  });

  test("the caller's cancellation rejects instead of returning an outcome", async () => {
    const { seer, client } = await setup();
    seer.queueFaults(SeerRoute.explorerChat, [{ hang: true }]);

    await expect(
      startExplorer(client, randomUUID(), AbortSignal.timeout(50)),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  test('a caller already cancelled sends nothing', async () => {
    const { seer, client } = await setup();
    const cancelled = new AbortController();
    cancelled.abort(new Error('activity cancelled'));

    await expect(startExplorer(client, randomUUID(), cancelled.signal)).rejects.toThrow(
      'activity cancelled',
    );
    expect(seer.state.requests).toEqual([]);
  });

  test('a pr_review run is a programming error: it has no Seer route', async () => {
    const { seer, client } = await setup();

    await expect(
      client.startRun({
        type: 'pr_review',
        runUuid: randomUUID(),
        request: {},
        viewerContext: null,
      }),
    ).rejects.toThrow('unsupported_type');
    expect(seer.state.requests).toEqual([]);
  });

  test('a base URL with a trailing slash reaches the same routes', async () => {
    const { seer } = await setup();
    const client = new SeerClient({
      baseUrl: `${seer.url}/`,
      sharedSecret: SECRET,
      requestTimeoutMs: 2_000,
    });
    cleanups.push(() => client.close());

    await expect(startExplorer(client)).resolves.toMatchObject({ kind: 'live' });
  });
});

describe('SeerClient.triggerExplorerIndex', () => {
  const target = { orgId: 42, projectId: 7 };

  test('false flags post both index routes for the run project', async () => {
    const { seer, client } = await setup();

    const acks = await client.triggerExplorerIndex({
      ...target,
      hasExplorerIndex: false,
      hasOrgProjectContext: false,
    });

    expect(acks).toEqual([
      { route: SeerRoute.explorerIndex, kind: 'ok', seerStatus: 200 },
      { route: SeerRoute.explorerOrgProjectKnowledge, kind: 'ok', seerStatus: 200 },
    ]);
    const bodies = Object.fromEntries(seer.state.requests.map((r) => [r.route, r.body]));
    expect(bodies).toEqual({
      [SeerRoute.explorerIndex]: { projects: [{ org_id: 42, project_id: 7 }] },
      [SeerRoute.explorerOrgProjectKnowledge]: { org_id: 42, projects: [{ project_id: 7 }] },
    });
    expect(seer.state.requests.every((r) => r.signature_ok)).toBe(true);
  });

  test('true or unknown flags trigger nothing', async () => {
    const { seer, client } = await setup();

    await expect(
      client.triggerExplorerIndex({
        ...target,
        hasExplorerIndex: true,
        hasOrgProjectContext: null,
      }),
    ).resolves.toEqual([]);
    expect(seer.state.requests).toEqual([]);
  });

  test('without a project the project lists are empty', async () => {
    const { seer, client } = await setup();

    await client.triggerExplorerIndex({
      orgId: 42,
      projectId: null,
      hasExplorerIndex: false,
      hasOrgProjectContext: false,
    });

    const bodies = Object.fromEntries(seer.state.requests.map((r) => [r.route, r.body]));
    expect(bodies).toEqual({
      [SeerRoute.explorerIndex]: { projects: [] },
      [SeerRoute.explorerOrgProjectKnowledge]: { org_id: 42, projects: [] },
    });
  });

  test('each route reports its own outcome', async () => {
    const { seer, client } = await setup();
    seer.queueFaults(SeerRoute.explorerIndex, [{ status: 503 }]);
    seer.queueFaults(SeerRoute.explorerOrgProjectKnowledge, [{ status: 404, body: 'no such org' }]);

    await expect(
      client.triggerExplorerIndex({
        ...target,
        hasExplorerIndex: false,
        hasOrgProjectContext: false,
      }),
    ).resolves.toEqual([
      { route: SeerRoute.explorerIndex, kind: 'transient', seerStatus: 503, cause: 'http_503' },
      {
        route: SeerRoute.explorerOrgProjectKnowledge,
        kind: 'terminal',
        seerStatus: 404,
        cause: 'http_404',
        bodySnippet: 'no such org',
      },
    ]);
  });
});

describe('the fake Seer', () => {
  async function call(
    seer: FakeSeer,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await request(`${seer.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: await response.body.json() };
  }

  function signedHeaders(body: unknown): Record<string, string> {
    return { authorization: rpcAuthorization(SECRET, Buffer.from(JSON.stringify(body))) };
  }

  test('faults, requests, runs and reset are scriptable over HTTP', async () => {
    const { seer, client } = await setup();
    const runUuid = randomUUID();

    await expect(
      call(seer, 'POST', '/__control/faults', {
        route: SeerRoute.explorerChat,
        faults: [{ status: 500, create: true }],
      }),
    ).resolves.toEqual({ status: 200, body: { queued: 1 } });
    await expect(startExplorer(client, runUuid)).resolves.toMatchObject({ seerStatus: 500 });
    await expect(startExplorer(client, runUuid)).resolves.toMatchObject({ runId: 1 });

    const requests = await call(seer, 'GET', '/__control/requests');
    expect(requests.body).toMatchObject({
      requests: [
        { route: SeerRoute.explorerChat, key: runUuid, signature_ok: true, status: 500 },
        { route: SeerRoute.explorerChat, key: runUuid, signature_ok: true, status: 200 },
      ],
    });
    await expect(call(seer, 'GET', '/__control/runs')).resolves.toMatchObject({
      body: { runs: [{ key: runUuid, route: SeerRoute.explorerChat, run_id: 1 }] },
    });

    await expect(call(seer, 'POST', '/__control/reset', {})).resolves.toMatchObject({
      status: 200,
    });
    expect(seer.state.requests).toEqual([]);
    expect(seer.state.runs).toEqual([]);
    await expect(startExplorer(client)).resolves.toMatchObject({ runId: 1 });
  });

  test('config changes the explorer flags at runtime', async () => {
    const { seer, client } = await setup();

    await expect(
      call(seer, 'POST', '/__control/config', {
        has_explorer_index: false,
        has_org_project_context: null,
      }),
    ).resolves.toEqual({
      status: 200,
      body: {
        latency_ms: 0,
        has_explorer_index: false,
        has_org_project_context: null,
        outage: 'none',
        transient_error_rate: 0,
      },
    });
    await expect(startExplorer(client)).resolves.toMatchObject({
      hasExplorerIndex: false,
      hasOrgProjectContext: null,
    });
  });

  test('a malformed fault script is refused with 400', async () => {
    const { seer } = await setup();

    await expect(
      call(seer, 'POST', '/__control/faults', {
        route: SeerRoute.explorerChat,
        faults: [{ status: 'soon' }],
      }),
    ).resolves.toMatchObject({ status: 400 });
    await expect(
      call(seer, 'POST', '/__control/faults', { route: '/v1/nowhere', faults: [] }),
    ).resolves.toMatchObject({ status: 400 });
  });

  test('the control API does not exist unless enabled', async () => {
    const { seer } = await setup({ control: false });

    await expect(call(seer, 'GET', '/__control/requests')).resolves.toMatchObject({
      status: 404,
    });
  });

  test('a tampered viewer context gets 401 and creates nothing', async () => {
    const { seer } = await setup();
    const body = { ...explorerRequest, external_idempotency_key: randomUUID() };
    const viewer = '{"actor_type":"user","organization_id":42}';

    const answer = await call(seer, 'POST', SeerRoute.explorerChat, body, {
      ...signedHeaders(body),
      'x-viewer-context': viewer.replace('42', '43'),
      'x-viewer-context-signature': signBody(SECRET, Buffer.from(viewer)),
    });

    expect(answer.status).toBe(401);
    expect(seer.state.requests[0]).toMatchObject({ signature_ok: true, viewer_context_ok: false });
    expect(seer.state.runs).toEqual([]);
  });

  test('a request without a signature gets 401 and creates nothing', async () => {
    const { seer } = await setup();
    const body = { ...explorerRequest, external_idempotency_key: randomUUID() };

    await expect(call(seer, 'POST', SeerRoute.explorerChat, body)).resolves.toMatchObject({
      status: 401,
    });
    expect(seer.state.runs).toEqual([]);
  });

  test('an autofix body is checked down to the issue fields', async () => {
    const { seer } = await setup();
    const body = {
      organization_id: 42,
      project_id: 7,
      issue: { id: 1 },
      external_idempotency_key: randomUUID(),
    };

    await expect(
      call(seer, 'POST', SeerRoute.autofixStart, body, signedHeaders(body)),
    ).resolves.toEqual({ status: 400, body: { detail: 'missing field issue.title' } });
  });

  test('latency delays normal answers', async () => {
    const { seer, client } = await setup({ latencyMs: 150 });

    const started = performance.now();
    await startExplorer(client);

    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(seer.state.requests).toHaveLength(1);
  });
});

describe('the fake Seer outage modes (for drills and load)', () => {
  const start = (client: SeerClient) =>
    client.startRun({
      type: 'explorer',
      runUuid: randomUUID(),
      request: explorerRequest,
      viewerContext: null,
    });

  it('answers 503 to every run request while outage is status_503, and creates nothing', async () => {
    const { seer, client } = await setup();
    seer.configure({ outage: 'status_503' });
    expect(await start(client)).toMatchObject({ kind: 'transient', seerStatus: 503 });
    expect(seer.state.runs).toHaveLength(0);
    seer.configure({ outage: 'none' });
    expect(await start(client)).toMatchObject({ kind: 'live' });
  });

  it('drops every connection while outage is drop', async () => {
    const { seer, client } = await setup();
    seer.configure({ outage: 'drop' });
    expect(await start(client)).toMatchObject({ kind: 'transient' });
    expect(seer.state.runs).toHaveLength(0);
  });

  it('answers 503 at the configured random rate', async () => {
    const { seer, client } = await setup();
    seer.configure({ transient_error_rate: 1 });
    expect(await start(client)).toMatchObject({ kind: 'transient', seerStatus: 503 });
    seer.configure({ transient_error_rate: 0 });
    expect(await start(client)).toMatchObject({ kind: 'live' });
  });
});
