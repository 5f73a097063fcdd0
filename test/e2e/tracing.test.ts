// One trace per run, read back from a real Jaeger: the API, the worker and the fake Seer as three
// processes (API_EMBEDDED_WORKER=off, so the run crosses from one to the next), every span in its
// place, the traceparent Seer received, and nothing of the request body or viewer context.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJaeger, type Jaeger } from '../../src/stack/jaeger';
import { freePort } from '../../src/temporal/dev-server';
import { eventually, startEntry, type EntryProcess } from '../support/processes';
import { testServer } from '../support/temporal';

const SECRET = 'tracing-test-secret';
const TOKEN = 'tracing-test-token';
const CHAT = '/v1/automation/explorer/chat';
const INDEX = '/v1/automation/explorer/index';

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; spanID: string }>;
  tags: Array<{ key: string; value: unknown }>;
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}
interface RecordedRequest {
  route: string;
  key: string | null;
  status: number | null;
  traceparent: string | null;
}

let jaeger: Jaeger;
let seerUrl: string;
let apiUrl: string;
const processes: EntryProcess[] = [];

beforeAll(async () => {
  const { address, namespace, bundlePath } = testServer();
  jaeger = await startJaeger({
    dataDir: mkdtempSync(join(tmpdir(), 'seer-runs-jaeger-')),
    ports: { ui: 0, otlpHttp: 0 },
  });
  const seerPort = await freePort();
  seerUrl = `http://127.0.0.1:${seerPort}`;
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const common = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `tracing-${randomUUID()}`,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    SEER_URL: seerUrl,
    SEER_SHARED_SECRET: SECRET,
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
    // Spans leave within 200 ms instead of the SDK's 5 s: the test reads them back.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  const seer = startEntry('src/fake-seer/main.ts', {
    ...common,
    FAKE_SEER_PORT: String(seerPort),
    FAKE_SEER_CONTROL: 'on',
  });
  const worker = startEntry('src/worker.ts', {
    ...common,
    WORKER_METRICS_PORT: String(await freePort()),
  });
  const api = startEntry('src/api/main.ts', {
    ...common,
    PORT: String(apiPort),
    API_EMBEDDED_WORKER: 'off',
    SEER_RUNS_API_TOKENS: JSON.stringify({ [TOKEN]: '*' }),
  });
  processes.push(seer, worker, api);
  await eventually('the API to be ready', async () => (await fetch(`${apiUrl}/readyz`)).ok, 60_000);
  await eventually('the fake Seer', async () => (await control('GET', 'requests')).ok, 30_000);
  // Seer says the project has no explorer index: the run's follow-up asks for one.
  await control('POST', 'config', { has_explorer_index: false });
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  await jaeger?.process.stop();
});

function control(method: string, action: string, body?: unknown): Promise<Response> {
  return fetch(`${seerUrl}/__control/${action}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
}

async function seerRequests(route: string, key: string): Promise<RecordedRequest[]> {
  const { requests } = (await (await control('GET', 'requests')).json()) as {
    requests: RecordedRequest[];
  };
  return requests.filter((r) => r.route === route && (key === '' || r.key === key));
}

async function createRun(organization: number, query: string, userId: number) {
  const response = await fetch(`${apiUrl}/v1/organizations/${organization}/seer-runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'explorer',
      project_id: 11,
      request: { query },
      viewer_context: { organization_id: organization, user_id: userId },
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The trace from Jaeger's query API once `complete` holds (spans arrive process by process). */
async function traceFromJaeger(
  traceId: string,
  complete: (trace: JaegerTrace) => boolean,
): Promise<JaegerTrace> {
  return eventually(
    `trace ${traceId} in Jaeger`,
    async () => {
      const response = await fetch(`${jaeger.uiUrl}/api/traces/${traceId}`);
      if (!response.ok) return undefined;
      const { data } = (await response.json()) as { data: JaegerTrace[] };
      const trace = data[0];
      return trace && complete(trace) ? trace : undefined;
    },
    30_000,
  );
}

const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;
const parentOf = (span: JaegerSpan) =>
  span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
const named = (trace: JaegerTrace, name: string) =>
  trace.spans.filter((span) => span.operationName === name);
const service = (trace: JaegerTrace, span: JaegerSpan) =>
  trace.processes[span.processID]?.serviceName;

/** The one span of that name, checked to be there once. */
function only(trace: JaegerTrace, name: string): JaegerSpan {
  const spans = named(trace, name);
  expect({ name, count: spans.length }).toEqual({ name, count: 1 });
  return spans[0]!;
}

function traceIdOf(traceparent: string | null): string {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceparent ?? '');
  if (!match) throw new Error(`no W3C traceparent: ${traceparent}`);
  return match[1]!;
}

it('a run is one trace from the HTTP request through the API, the worker and Seer, with the run attributes and none of its body', async () => {
  const organization = 4_000 + Math.floor(Math.random() * 1_000);
  const query = `secret-question-${randomUUID()}`;
  const userId = 987_654_321;
  const run = await createRun(organization, query, userId);
  expect(run.status).toBe(201);
  const runUuid = run.body.run_uuid as string;

  const [chat] = await seerRequests(CHAT, runUuid);
  const traceId = traceIdOf(chat!.traceparent);
  // The follow-up's request reaches Seer in the same trace.
  const index = await eventually('the explorer follow-up', async () => {
    const all = await seerRequests(INDEX, '');
    return all.find((r) => r.traceparent?.includes(traceId));
  });

  const trace = await traceFromJaeger(
    traceId,
    (t) =>
      named(t, `POST ${INDEX}`).length === 1 &&
      named(t, 'RunWorkflow:seerRun').length === 1 &&
      named(t, 'request').length === 1 &&
      named(t, 'WaitForRun:seerRun').length === 1,
  );

  const request = only(trace, 'request');
  expect(parentOf(request)).toBeUndefined();
  expect(service(trace, request)).toBe('seer-runs-api');
  expect(tag(request, 'http.route')).toBe('/v1/organizations/:organization_id/seer-runs');
  expect(tag(request, 'http.response.status_code')).toBe(201);

  const start = only(trace, 'StartWorkflow:seerRun');
  expect(parentOf(start)).toBe(request.spanID);
  expect(tag(start, 'temporalWorkflowId')).toBe(runUuid);
  const wait = only(trace, 'WaitForRun:seerRun');
  expect(parentOf(wait)).toBe(request.spanID);
  expect(tag(wait, 'wait.outcome')).toBe('live');

  const workflow = only(trace, 'RunWorkflow:seerRun');
  expect(parentOf(workflow)).toBe(start.spanID);
  expect(service(trace, workflow)).toBe('seer-runs-worker');
  const scheduled = only(trace, 'StartActivity:startSeerRun');
  expect(parentOf(scheduled)).toBe(workflow.spanID);
  const attempt = only(trace, 'RunActivity:startSeerRun');
  expect(parentOf(attempt)).toBe(scheduled.spanID);
  expect(service(trace, attempt)).toBe('seer-runs-worker');
  expect({
    run_uuid: tag(attempt, 'run_uuid'),
    type: tag(attempt, 'type'),
    organization_id: tag(attempt, 'organization_id'),
    attempt: tag(attempt, 'attempt'),
    status: tag(attempt, 'status'),
  }).toEqual({
    run_uuid: runUuid,
    type: 'explorer',
    organization_id: organization,
    attempt: 1,
    status: 'LIVE',
  });

  const seer = only(trace, `POST ${CHAT}`);
  expect(parentOf(seer)).toBe(attempt.spanID);
  expect(tag(seer, 'span.kind')).toBe('client');
  expect(tag(seer, 'run_uuid')).toBe(runUuid);
  expect(tag(seer, 'attempt')).toBe(1);
  expect(tag(seer, 'seer_status')).toBe(200);
  // Seer's side of the hop: the traceparent it received names the client span as its parent.
  expect(chat!.traceparent).toBe(`00-${traceId}-${seer.spanID}-01`);

  const child = only(trace, 'StartChildWorkflow:explorerIndex');
  expect(parentOf(child)).toBe(workflow.spanID);
  const followUp = only(trace, 'RunWorkflow:explorerIndex');
  expect(parentOf(followUp)).toBe(child.spanID);
  const indexSpan = only(trace, `POST ${INDEX}`);
  expect(index.traceparent).toBe(`00-${traceId}-${indexSpan.spanID}-01`);
  expect(tag(indexSpan, 'organization_id')).toBe(organization);

  const everything = JSON.stringify(trace);
  expect(everything).not.toContain(query);
  expect(everything).not.toContain(String(userId));
  expect(everything).not.toContain('viewer_context');
  expect(everything).not.toContain(SECRET);
}, 90_000);

it('a run that Seer answered 503 twice shows three attempt spans in its one trace, numbered, with Seer status', async () => {
  await control('POST', 'faults', {
    route: CHAT,
    faults: [
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 503, headers: { 'retry-after': '1' } },
    ],
  });
  const run = await createRun(5_000 + Math.floor(Math.random() * 1_000), 'why so slow?', 1);
  expect(run.status).toBe(201);
  const runUuid = run.body.run_uuid as string;

  const sent = await seerRequests(CHAT, runUuid);
  expect(sent.map((r) => r.status)).toEqual([503, 503, 200]);
  const traceIds = new Set(sent.map((r) => traceIdOf(r.traceparent)));
  expect(traceIds.size).toBe(1);
  const [traceId] = [...traceIds];

  const trace = await traceFromJaeger(
    traceId!,
    (t) => named(t, `POST ${CHAT}`).length === 3 && named(t, 'RunWorkflow:seerRun').length === 1,
  );
  const attempts = named(trace, `POST ${CHAT}`).sort(
    (a, b) => Number(tag(a, 'attempt')) - Number(tag(b, 'attempt')),
  );
  expect(
    attempts.map((s) => [tag(s, 'attempt'), tag(s, 'seer_status'), tag(s, 'run_uuid')]),
  ).toEqual([
    [1, 503, runUuid],
    [2, 503, runUuid],
    [3, 200, runUuid],
  ]);
  // Each request is a child of its attempt's span, and every attempt hangs under the one run.
  const activitySpans = named(trace, 'RunActivity:startSeerRun');
  expect(activitySpans).toHaveLength(3);
  for (const span of attempts) {
    expect(activitySpans.map((a) => a.spanID)).toContain(parentOf(span));
  }
  const workflow = only(trace, 'RunWorkflow:seerRun');
  const scheduled = named(trace, 'StartActivity:startSeerRun');
  for (const s of scheduled) expect(parentOf(s)).toBe(workflow.spanID);
  for (const a of activitySpans) expect(scheduled.map((s) => s.spanID)).toContain(parentOf(a));
  expect(activitySpans.filter((a) => tag(a, 'status') === 'PENDING')).toHaveLength(2);
}, 90_000);

it('tracing misconfigured: an unreachable endpoint warns once and every request answers; an endpoint that is no URL leaves tracing off with one warning', async () => {
  const { address, namespace, bundlePath } = testServer();
  const closed = await freePort();
  const start = (endpoint: string, port: number) =>
    startEntry('src/api/main.ts', {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: `tracing-bad-${randomUUID()}`,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      SEER_URL: seerUrl,
      SEER_SHARED_SECRET: SECRET,
      PORT: String(port),
      SEER_RUNS_API_TOKENS: JSON.stringify({ [TOKEN]: '*' }),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  const unreachablePort = await freePort();
  const notAUrlPort = await freePort();
  const unreachable = start(`http://127.0.0.1:${closed}`, unreachablePort);
  const notAUrl = start('not a url', notAUrlPort);
  processes.push(unreachable, notAUrl);
  for (const port of [unreachablePort, notAUrlPort]) {
    await eventually(
      'the API',
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      60_000,
    );
    const previous = apiUrl;
    apiUrl = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 3; i++) {
        const run = await createRun(6_000 + i, 'still answered?', 1);
        expect(run.status).toBe(201);
      }
    } finally {
      apiUrl = previous;
    }
  }
  const warnings = (output: string) =>
    output.split('\n').filter((line) => line.includes('"level":40') && /tracing/.test(line));
  await eventually('the export warning', () => warnings(unreachable.output()).length > 0);
  // Exports keep failing every 100 ms; the warning stays one.
  await new Promise((r) => setTimeout(r, 500));
  expect(warnings(unreachable.output())).toHaveLength(1);
  expect(warnings(unreachable.output())[0]).toContain('spans could not be exported');
  expect(unreachable.output()).not.toMatch(/\n\s+at /);
  expect(warnings(notAUrl.output())).toHaveLength(1);
  expect(warnings(notAUrl.output())[0]).toContain('the OTLP endpoint is not a URL');
}, 120_000);
