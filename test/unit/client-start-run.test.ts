// SeerRunsClient against a scripted HTTP server (real sockets, answers queued by each test): what
// it sends for each answer of the retry rule, the outcome it returns, the errors it throws.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InvalidRequestError,
  SeerRunsApiError,
  SeerRunsClient,
  SeerRunsUnreachableError,
  type RunBody,
} from '../../src/client';
import { freePort } from '../../src/temporal/dev-server';

interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** An HTTP server answering each request with the next scripted answer (the last one repeats). */
async function scriptedApi(answers: Scripted[]) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw === '' ? null : (JSON.parse(raw) as unknown),
      });
      const next = (answers.length > 1 ? answers.shift() : answers[0])!;
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(JSON.stringify(next.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ORG = 17;
const BODY: RunBody = { type: 'explorer', request: { query: 'why is checkout slow?' } };
const TOKEN = randomUUID();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const pending = (token = TOKEN, retryAfter = '0'): Scripted => ({
  status: 500,
  body: { error: 'seer_run_pending', detail: 'not yet', retry_token: token },
  headers: { 'retry-after': retryAfter },
});
const live = (status = 201): Scripted => ({
  status,
  body: { run_id: 42, run_uuid: TOKEN, status: 'LIVE' },
});

let api: Awaited<ReturnType<typeof scriptedApi>> | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function clientOf(url: string) {
  return new SeerRunsClient({ baseUrl: url, token: 'tok' });
}

describe('SeerRunsClient.startRun', () => {
  it('follows 503, 500 with its token, 404 for the token, to 201: one key throughout, the token only after the 500', async () => {
    api = await scriptedApi([
      {
        status: 503,
        body: { error: 'temporal_unavailable', detail: 'x' },
        headers: { 'retry-after': '0' },
      },
      pending(),
      { status: 404, body: { error: 'run_not_found', detail: 'no run' } },
      live(201),
    ]);
    const statuses: number[] = [];
    const outcome = await clientOf(api.url).startRun(ORG, BODY, {
      onAnswer: (answer) => statuses.push(answer.status),
    });

    expect(outcome).toMatchObject({ status: 'LIVE', run_id: 42, run_uuid: TOKEN, created: true });
    expect(outcome.answers.map((a) => [a.status, a.sentToken])).toEqual([
      [503, null],
      [500, null],
      [404, TOKEN],
      [201, null],
    ]);
    expect(statuses).toEqual([503, 500, 404, 201]);
    const keys = api.seen.map((req) => req.headers['idempotency-key']);
    expect(keys[0]).toMatch(UUID_V4);
    expect(new Set(keys)).toEqual(new Set([keys[0]]));
    expect(outcome.idempotency_key).toBe(keys[0]);
    expect(api.seen.map((req) => (req.body as { retry_token?: string }).retry_token)).toEqual([
      undefined,
      undefined,
      TOKEN,
      undefined,
    ]);
    expect(api.seen[0]).toMatchObject({
      method: 'POST',
      url: `/v1/organizations/${ORG}/seer-runs`,
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
      body: BODY,
    });
  });

  it("sends the caller's Idempotency-Key", async () => {
    api = await scriptedApi([live(200)]);
    const outcome = await clientOf(api.url).startRun(ORG, BODY, { idempotencyKey: 'order-42' });
    expect(outcome).toMatchObject({ status: 'LIVE', created: false, idempotency_key: 'order-42' });
    expect(api.seen[0]?.headers['idempotency-key']).toBe('order-42');
  });

  it('at the deadline answers PENDING with the token and key to come back with', async () => {
    api = await scriptedApi([pending(TOKEN, '1')]);
    const outcome = await clientOf(api.url).startRun(ORG, BODY, {
      idempotencyKey: 'k',
      deadline: Date.now() + 300,
    });
    expect(outcome).toMatchObject({ status: 'PENDING', retry_token: TOKEN, idempotency_key: 'k' });
    expect(api.seen).toHaveLength(1);
  });

  it('a FAILED run is an outcome with its reason, not an error', async () => {
    api = await scriptedApi([
      {
        status: 502,
        body: {
          error: 'seer_rejected',
          detail: 'Seer refused',
          run_uuid: TOKEN,
          reason: 'seer_rejected',
          seer_status: 400,
        },
      },
    ]);
    const outcome = await clientOf(api.url).startRun(ORG, BODY);
    expect(outcome).toMatchObject({
      status: 'FAILED',
      run_uuid: TOKEN,
      reason: 'seer_rejected',
      seer_status: 400,
      error: 'seer_rejected',
    });
  });

  it('a 422 is thrown at once as a typed error with its code and body', async () => {
    api = await scriptedApi([
      {
        status: 422,
        body: { error: 'idempotency_key_reused', detail: 'other body', run_uuid: TOKEN },
      },
    ]);
    const error = await clientOf(api.url)
      .startRun(ORG, BODY, { idempotencyKey: 'k' })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SeerRunsApiError);
    expect(error).toMatchObject({
      name: 'SeerRunsApiError',
      status: 422,
      code: 'idempotency_key_reused',
      detail: 'other body',
      body: { run_uuid: TOKEN },
    });
    expect(api.seen).toHaveLength(1);
  });

  it('resuming from a token alone sends no key, and a 404 for it is thrown (a resend would be another run)', async () => {
    api = await scriptedApi([{ status: 404, body: { error: 'run_not_found', detail: 'no run' } }]);
    const error = await clientOf(api.url)
      .startRun(ORG, BODY, { retryToken: TOKEN })
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ status: 404, code: 'run_not_found' });
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]?.headers['idempotency-key']).toBeUndefined();
    expect(api.seen[0]?.body).toEqual({ ...BODY, retry_token: TOKEN });
  });

  it('refuses an invalid body before sending it, as the API would (400 invalid_request, its issues)', async () => {
    api = await scriptedApi([live()]);
    const error = await clientOf(api.url)
      .startRun(ORG, { type: 'explorer', request: { query: 'q', colour: 'red' } })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      sent: false,
      detail: 'the request body is invalid: request.colour: is not a field of this object',
      issues: [{ path: 'request.colour', message: 'is not a field of this object' }],
    });
    expect(api.seen).toHaveLength(0);
  });

  it('an API never reached before the deadline is SeerRunsUnreachableError, with the key to send again', async () => {
    const port = await freePort();
    const error = await clientOf(`http://127.0.0.1:${port}`)
      .startRun(ORG, BODY, { idempotencyKey: 'k', deadline: Date.now() + 1_500 })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SeerRunsUnreachableError);
    expect(error).toMatchObject({ reason: 'ECONNREFUSED', idempotencyKey: 'k' });
  });

  it("the caller's signal stops it with the signal's reason", async () => {
    api = await scriptedApi([pending(TOKEN, '30')]);
    const stop = new AbortController();
    const outcome = clientOf(api.url).startRun(ORG, BODY, {
      signal: stop.signal,
      onAnswer: () => stop.abort(new Error('caller left')),
    });
    await expect(outcome).rejects.toThrow('caller left');
  });
});

describe('SeerRunsClient reads', () => {
  const view = (status: string) => ({
    run_uuid: TOKEN,
    type: 'explorer',
    organization_id: ORG,
    project_id: null,
    status,
    run_id: status === 'LIVE' ? 42 : null,
    failure: null,
    attempts: 1,
    started_at: '2026-11-30T10:00:00.000Z',
    closed_at: null,
  });

  it('getRun answers the run; a 404 is run_not_found', async () => {
    api = await scriptedApi([
      { status: 200, body: view('LIVE') },
      { status: 404, body: { error: 'run_not_found', detail: 'no run' } },
    ]);
    const client = clientOf(api.url);
    await expect(client.getRun(ORG, TOKEN)).resolves.toEqual(view('LIVE'));
    await expect(client.getRun(ORG, TOKEN)).rejects.toMatchObject({
      status: 404,
      code: 'run_not_found',
    });
    expect(api.seen[0]?.url).toBe(`/v1/organizations/${ORG}/seer-runs/${TOKEN}`);
  });

  it('getRun refuses a run UUID that is not one, without sending', async () => {
    api = await scriptedApi([{ status: 200, body: view('LIVE') }]);
    await expect(clientOf(api.url).getRun(ORG, 'not-a-uuid')).rejects.toMatchObject({
      sent: false,
      issues: [{ path: 'run_uuid', message: 'expected a UUID' }],
    });
    expect(api.seen).toHaveLength(0);
  });

  it('listRuns yields page after page until next_page_token is null, with the filters', async () => {
    api = await scriptedApi([
      { status: 200, body: { runs: [view('LIVE')], next_page_token: 'abc' } },
      { status: 200, body: { runs: [view('LIVE')], next_page_token: null } },
    ]);
    const pages = [];
    for await (const page of clientOf(api.url).listRuns(ORG, {
      status: 'LIVE',
      type: 'explorer',
      pageSize: 1,
    })) {
      pages.push(page);
    }
    expect(pages.map((page) => page.next_page_token)).toEqual(['abc', null]);
    expect(api.seen.map((req) => req.url)).toEqual([
      `/v1/organizations/${ORG}/seer-runs?status=LIVE&type=explorer&page_size=1`,
      `/v1/organizations/${ORG}/seer-runs?status=LIVE&type=explorer&page_size=1&next_page_token=abc`,
    ]);
  });

  it('waitForRun asks with ?wait=, and asks for less when the API says the wait is too long', async () => {
    const tooLong = {
      status: 400,
      body: {
        error: 'invalid_request',
        detail: 'the query string is invalid: wait: too long',
        issues: [{ path: 'wait', message: 'too long' }],
      },
    };
    api = await scriptedApi([tooLong, tooLong, { status: 200, body: view('LIVE') }]);
    const run = await clientOf(api.url).waitForRun(ORG, TOKEN, { deadline: Date.now() + 60_000 });
    expect(run.status).toBe('LIVE');
    const path = `/v1/organizations/${ORG}/seer-runs/${TOKEN}`;
    expect(api.seen.map((req) => req.url)).toEqual([
      `${path}?wait=10`,
      `${path}?wait=5`,
      `${path}?wait=2`,
    ]);
  });

  it('waitForRun answers the run as it stands at the deadline, still PENDING', async () => {
    api = await scriptedApi([{ status: 200, body: view('PENDING') }]);
    const run = await clientOf(api.url).waitForRun(ORG, TOKEN, { deadline: Date.now() + 500 });
    expect(run.status).toBe('PENDING');
    expect(api.seen).toHaveLength(1);
  });
});
