// The API as integration tests use it: the real app listening on port 0, a real worker on a task
// queue of its own, the fake Seer on port 0, and helpers to call it over HTTP and poll.
import { randomInt } from 'node:crypto';
import { Client } from '@temporalio/client';
import { loadConfig, orgWeight, type Config } from '../../src/config';
import { buildApp } from '../../src/api/app';
import { startServer, type RunningServer } from '../../src/api/server';
import { RunType, SeerRoute, type SeerRunView } from '../../src/domain';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { SeerClient } from '../../src/seer/client';
import { ApiConnection } from '../../src/temporal/client/api-connection';
import { RunGateway } from '../../src/temporal/client/gateway';
import type { GrpcCalls } from './grpc-calls';
import { startTestWorker, testLogger, testServer, type TestWorker } from './temporal';

export const TEST_TOKEN = 'test-token';
export const SHARED_SECRET = 'api-test-secret';

/**
 * An answer's JSON as tests read it: every field the API may send, typed as it is when present.
 * Which fields are present is what the tests assert.
 */
export interface AnswerBody extends Omit<SeerRunView, 'run_id' | 'run_uuid' | 'status'> {
  run_id: number | null;
  run_uuid: string;
  status: string;
  error: string;
  detail: string;
  retry_token: string;
  reason: string;
  seer_status: number | null;
  request_id: string;
  issues: Array<{ path: string; message: string }>;
  runs: SeerRunView[];
  next_page_token: string | null;
  pollers: number;
  temporal: string;
  task_queue: string;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body (an empty object when the body was not JSON). */
  body: AnswerBody;
  text: string;
}

export interface CallOptions {
  /** Sent as JSON unless `raw` is given. */
  body?: unknown;
  /** Bytes or text sent as they are (with `content-type` from `headers`, if any). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** null sends no Authorization header. */
  token?: string | null;
}

export interface ApiHarness {
  url: string;
  config: Config;
  fakeSeer: FakeSeer;
  worker: TestWorker | null;
  /** The app's own Temporal client (an ApiConnection), for describe/terminate in assertions. */
  temporal: Client;
  server: RunningServer;
  /**
   * How long the server took over each request it answered, from its arrival (Fastify's
   * reply.elapsedTime), in the order answered: the clock spec §3's bounds are stated on.
   */
  answeredInMs: number[];
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  /** Stops the worker before the harness does (to read runs with no worker up). */
  stopWorker(): Promise<void>;
  /** POST /v1/organizations/{org}/seer-runs */
  post(org: number, body: unknown, options?: Omit<CallOptions, 'body'>): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Environment for loadConfig on top of the harness's (Seer URL, task queue, token...). */
  env?: Record<string, string>;
  /** Start no worker (the task queue is still unique). */
  noWorker?: boolean;
  /** Point the API (not the worker) at another Temporal address, e.g. a closed port. */
  temporalAddress?: string;
  /** How long server.close() lets in-flight requests finish (default 5 s). */
  shutdownTimeoutMs?: number;
  /** How old a poller's last poll may be and still count for /readyz (default 75 s). */
  stalePollerMs?: number;
  /** Sees (and can fail) every gRPC call the API makes to Temporal. */
  grpcCalls?: GrpcCalls;
}

/** Organization ids are unique per test: runs of parallel tests never share a list. */
export function uniqueOrgId(): number {
  return randomInt(1_000_000, 2 ** 47);
}

export const ROUTE = {
  explorer: SeerRoute.explorerChat,
  assisted_query: SeerRoute.assistedQueryStart,
  autofix: SeerRoute.autofixStart,
  feature_run: SeerRoute.featureRun,
} as const;

/** A valid POST body of each type (the organization is filled in from the path). */
export function bodyOf(
  type: RunType,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  switch (type) {
    case RunType.explorer:
      return { type, request: { query: 'why is checkout slow?' }, ...extra };
    case RunType.assisted_query:
      return {
        type,
        request: {
          org_slug: 'acme',
          project_ids: [1, 2],
          natural_language_query: 'errors in checkout',
          strategy: 'issues',
        },
        ...extra,
      };
    case RunType.autofix:
      return { type, project_id: 7, request: { issue: { id: 1, title: 'TypeError' } }, ...extra };
    case RunType.feature_run:
      return { type, request: { feature_id: 'summaries', payload: { n: 1 } }, ...extra };
    case RunType.pr_review:
      return { type, request: { pr: 12 }, ...extra };
  }
}

/**
 * Calls an API at `url` as a client would: a bearer token (`token: null` sends none), JSON bodies,
 * and the answer's status, headers, parsed body and raw text.
 */
export function apiCaller(url: string, defaultToken: string) {
  return async (
    method: string,
    path: string,
    { body, raw, headers = {}, token = defaultToken }: CallOptions = {},
  ): Promise<ApiResponse> => {
    const sent: Record<string, string> = { ...headers };
    if (token !== null) sent.authorization = `Bearer ${token}`;
    let payload: string | Uint8Array | undefined = raw;
    if (raw === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      sent['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers: sent, body: payload });
    const text = await response.text();
    let parsed: unknown = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (e.g. /metrics): tests read `text`.
    }
    return { status: response.status, headers: response.headers, body: parsed as AnswerBody, text };
  };
}

export async function startApi(options: HarnessOptions = {}): Promise<ApiHarness> {
  const { address, namespace } = testServer();
  const fakeSeer = await startFakeSeer({ sharedSecret: SHARED_SECRET, control: true });
  const worker = options.noWorker
    ? null
    : await startTestWorker({ seerUrl: fakeSeer.url, sharedSecret: SHARED_SECRET });
  const config = loadConfig({
    TEMPORAL_ADDRESS: options.temporalAddress ?? address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: worker?.taskQueue ?? `test-${randomInt(2 ** 47)}`,
    SEER_URL: fakeSeer.url,
    SEER_SHARED_SECRET: SHARED_SECRET,
    SEER_REQUEST_TIMEOUT_MS: '5000',
    SEER_RUNS_API_TOKENS: JSON.stringify({ [TEST_TOKEN]: '*' }),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const connection = ApiConnection.lazy({
    address: config.temporal.address,
    // Replacing the interceptors drops the SDK's retry interceptor: fine for counting calls.
    ...(options.grpcCalls && { interceptors: [options.grpcCalls.interceptor] }),
  });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const seer = new SeerClient({
    baseUrl: config.seer.url,
    sharedSecret: config.seer.sharedSecret,
    requestTimeoutMs: config.seer.requestTimeoutMs,
  });
  const runs = new RunGateway({
    client: temporal,
    taskQueue: config.temporal.taskQueue,
    pageTokenKey: config.pageTokenKey,
    logger: testLogger,
    fairness: config.fairness.enabled
      ? { weightOf: (org) => orgWeight(config.fairness.weights, org) }
      : undefined,
    ...(options.stalePollerMs === undefined ? {} : { stalePollerMs: options.stalePollerMs }),
  });
  const app = buildApp({ config, runs, seer, logger: testLogger });
  const answeredInMs: number[] = [];
  app.addHook('onResponse', (_request, reply, done) => {
    answeredInMs.push(reply.elapsedTime);
    done();
  });
  const server = await startServer(app, {
    host: '127.0.0.1',
    port: 0,
    syncWaitTimeoutMs: config.syncWaitTimeoutMs,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000,
  });

  const call = apiCaller(server.url, TEST_TOKEN);

  let workerStopped: Promise<void> | undefined;
  const stopWorker = () => (workerStopped ??= worker?.stop() ?? Promise.resolve());

  return {
    url: server.url,
    config,
    fakeSeer,
    worker,
    temporal,
    server,
    answeredInMs,
    call,
    stopWorker,
    post: (org, body, rest) =>
      call('POST', `/v1/organizations/${org}/seer-runs`, { ...rest, body }),
    async stop() {
      await server.close();
      // The fake first: it cuts hung Seer requests, so the worker's activities end at once.
      await fakeSeer.close();
      await stopWorker();
      await seer.close();
      await connection.close();
    },
  };
}

/** Retries `check` until it stops throwing: for Temporal's eventually consistent visibility. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The runs the fake Seer made for one external_idempotency_key. */
export function seerRunsFor(fakeSeer: FakeSeer, key: string) {
  return fakeSeer.state.runs.filter((run) => run.key === key);
}
