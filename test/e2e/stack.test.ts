// `npm start` as a newcomer runs it: one command brings up Temporal (with its Web UI), the fake
// Seer, the worker and the API; a run can be made; a dead worker comes back; a second start says
// so; Ctrl-C answers every waiting client, then leaves nothing.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeerRoute } from '../../src/domain';
import { freePort } from '../../src/temporal/dev-server';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { eventually, startEntry, type EntryProcess } from '../support/processes';

jest.setTimeout(120_000);

let stack: EntryProcess;
let env: Record<string, string>;
let ports: Record<'api' | 'temporal' | 'ui' | 'seer' | 'metrics' | 'codec', number>;

beforeAll(async () => {
  const [api, temporal, ui, seer, metrics, codec] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  ports = { api, temporal, ui, seer, metrics, codec };
  env = {
    SEER_RUNS_DATA_DIR: mkdtempSync(join(tmpdir(), 'seer-runs-stack-')),
    PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    FAKE_SEER_PORT: String(ports.seer),
    WORKER_METRICS_PORT: String(ports.metrics),
    CODEC_SERVER_PORT: String(ports.codec),
    PAYLOAD_ENCRYPTION_KEYS: '',
    TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH!,
    TEMPORAL_ADDRESS: '',
    SEER_URL: '',
    SEER_RUNS_API_TOKENS: '',
    HOST: '',
    // The Ctrl-C test scripts a hung Seer through the fake's control API.
    FAKE_SEER_CONTROL: 'on',
    // Longer than the 10 s the stack used to give the API's drain: a waiting client must still
    // get its answer after Ctrl-C.
    SYNC_WAIT_TIMEOUT_MS: '15000',
    WORKER_SHUTDOWN_GRACE_MS: '5000',
  };
  stack = startEntry('src/stack/main.ts', env);
  await eventually('the stack to be up', () => stack.output().includes('seer-runs is up'), 90_000);
});
afterAll(async () => {
  await stack?.kill('SIGKILL');
});

it('prints the addresses of everything and the dev token', () => {
  const out = stack.output();
  expect(out).toContain(`API             http://127.0.0.1:${ports.api}`);
  expect(out).toContain(`Web UI          http://127.0.0.1:${ports.ui}`);
  expect(out).toContain(`Temporal        127.0.0.1:${ports.temporal}`);
  expect(out).toContain(`http://127.0.0.1:${ports.seer} (fake Seer)`);
  expect(out).toContain(`Worker metrics  http://127.0.0.1:${ports.metrics}/metrics`);
  expect(out).toContain('Dev token       dev-token');
});

it('creates a run with the dev token, visible in the Web UI server and through GET', async () => {
  const response = await fetch(`http://127.0.0.1:${ports.api}/v1/organizations/1/seer-runs`, {
    method: 'POST',
    headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'explorer', project_id: 3, request: { query: 'hello' } }),
  });
  const body = (await response.json()) as { run_id: number; run_uuid: string; status: string };
  expect(response.status).toBe(201);
  expect(body).toMatchObject({ status: 'LIVE', run_id: 1 });
  const got = await fetch(
    `http://127.0.0.1:${ports.api}/v1/organizations/1/seer-runs/${body.run_uuid}`,
    {
      headers: { authorization: 'Bearer dev-token' },
    },
  );
  expect(await got.json()).toMatchObject({ run_uuid: body.run_uuid, status: 'LIVE', run_id: 1 });
  const ui = await fetch(
    `http://127.0.0.1:${ports.ui}/namespaces/default/workflows/${body.run_uuid}`,
  );
  expect(ui.status).toBe(200);
  const page = await ui.text();
  expect(page).toContain('<html');
  // Temporal's UI (a SvelteKit app), not any page that happens to answer on the port: its
  // server's settings name its version and the codec server the browser decodes through.
  expect(page).toContain('/_app/immutable/entry/start.');
  const settings = await fetch(`http://127.0.0.1:${ports.ui}/api/v1/settings`);
  expect(await settings.json()).toMatchObject({
    Version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    Codec: { Endpoint: `http://127.0.0.1:${ports.codec}` },
  });
  const metrics = await (await fetch(`http://127.0.0.1:${ports.api}/metrics`)).text();
  expect(metrics).toMatch(/http_requests_total|seer_runs/);
  expect(metrics).toMatch(
    /^seer_runs_api_requests_total\{method="POST",route="\/v1\/organizations\/:organization_id\/seer-runs",status="201"\} [1-9]/m,
  );
  // The standalone worker's own metrics: started and polling the run queue. Which worker completed
  // this run is not fixed (the API's embedded worker takes eager starts once it is ready; a start
  // before that goes through matching to either), so its counters may hold no run yet.
  const workerMetrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
  expect(workerMetrics).toMatch(/^temporal_worker_start\{[^}]*task_queue="seer-runs"[^}]*\} 1$/m);
  expect(workerMetrics).toMatch(
    /^temporal_num_pollers\{[^}]*poller_type="activity_task"[^}]*task_queue="seer-runs"[^}]*\} [1-9]/m,
  );
});

it('keeps payloads encrypted with a development key made once under the data directory', () => {
  const key = readFileSync(join(env.SEER_RUNS_DATA_DIR!, 'payload-key'), 'utf8');
  expect(key).toMatch(/^dev-\d{8}:[A-Za-z0-9+/]{43}=\n$/);
  expect(stack.output()).toContain(`Codec server    http://127.0.0.1:${ports.codec}`);
});

describe('the Web UI, in a real browser', () => {
  const org = 50_000 + Math.floor(Math.random() * 10_000);
  const query = `checkout latency ${Math.random().toString(36).slice(2)}`;
  let browser: Browser;
  let failedUuid: string;
  let liveUuid: string;

  beforeAll(async () => {
    const create = async (body: unknown) => {
      const response = await fetch(
        `http://127.0.0.1:${ports.api}/v1/organizations/${org}/seer-runs`,
        {
          method: 'POST',
          headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
      );
      return { status: response.status, body: (await response.json()) as { run_uuid: string } };
    };
    const failed = await create({ type: 'pr_review', request: { pr: 1 } });
    const live = await create({ type: 'explorer', project_id: 4, request: { query } });
    expect([failed.status, live.status]).toEqual([502, 201]);
    [failedUuid, liveUuid] = [failed.body.run_uuid, live.body.run_uuid];
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('filters SeerRunStatus="FAILED" and finds exactly the failed run of the organization', async () => {
    const page = await browser.newPage();
    const filter = encodeURIComponent(`SeerRunStatus="FAILED" AND SeerOrganizationId=${org}`);
    const rows = page.locator('tr', { hasText: 'seerRun' });
    await eventually(
      'the failed run in the UI list',
      async () => {
        await page.goto(
          `http://127.0.0.1:${ports.ui}/namespaces/default/workflows?query=${filter}`,
        );
        await page.getByText(failedUuid).first().waitFor({ timeout: 3_000 });
        return true;
      },
      30_000,
    );
    expect(await rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain(failedUuid);
    expect(await page.getByText(liveUuid).count()).toBe(0);
  });

  it('opens a LIVE run and shows its summary and its input, decrypted through the codec server', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${ports.ui}/namespaces/default/workflows/${liveUuid}`);
    await page.getByText(query).first().waitFor({ timeout: 15_000 });
    await page.getByText('User Metadata').click();
    const summary = `explorer run for organization ${org}, project 4`;
    await eventually(
      'the summary',
      async () => {
        for (const frame of page.frames()) {
          if ((await frame.getByText(summary).count()) > 0) return true;
        }
        return undefined;
      },
      15_000,
    );
  });
});

it('a second npm start says one is running instead of failing on a port', async () => {
  const second = startEntry('src/stack/main.ts', env);
  const exit = await second.exited;
  expect(exit.code).toBe(1);
  expect(second.output()).toContain(`seer-runs is already running (pid ${stack.child.pid})`);
});

/** POST an explorer run with the dev token. */
function postRun(org: number, query: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${ports.api}/v1/organizations/${org}/seer-runs`, {
    method: 'POST',
    headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'explorer', project_id: 1, request: { query } }),
  });
}

it('restarts a worker killed with SIGKILL, says so, and a run made afterwards goes LIVE', async () => {
  const worker = Number(/Processes\s+.*worker=(\d+)/.exec(stack.output())?.[1]);
  process.kill(worker, 'SIGKILL');
  const restarted = await eventually(
    'the stack to restart the worker',
    () => /worker restarted \(pid (\d+)\)/.exec(stack.output())?.[1],
    60_000,
  );
  expect(stack.output()).toContain('worker exited unexpectedly (SIGKILL); restarting it');
  expect(Number(restarted)).not.toBe(worker);
  expect(stack.child.exitCode).toBeNull();
  const response = await postRun(7, 'after the restart');
  expect(response.status).toBe(201);
  expect(await response.json()).toMatchObject({ status: 'LIVE' });
});

it('Ctrl-C stops every process it started', async () => {
  const line = /Processes\s+(.*)/.exec(stack.output())?.[1] ?? '';
  const pids = [...line.matchAll(/=(\d+)/g)].map((m) => Number(m[1]));
  // Workers the stack restarted since its address table.
  pids.push(
    ...[...stack.output().matchAll(/worker restarted \(pid (\d+)\)/g)].map((m) => Number(m[1])),
  );
  expect(line).toMatch(/temporal=\d+ codec=\d+ fake-seer=\d+ worker=\d+ api=\d+/);

  // Clients waiting on a Seer that hangs when Ctrl-C comes: each still gets its HTTP answer.
  const seer = `http://127.0.0.1:${ports.seer}/__control`;
  const hung = await fetch(`${seer}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      route: SeerRoute.explorerChat,
      faults: Array.from({ length: 16 }, () => ({ hang: true })),
    }),
  });
  expect(hung.status).toBe(200);
  const answers = Array.from({ length: 16 }, (_, i) =>
    postRun(8, `waiting client ${i}`).then(
      async (response) => ({ status: response.status, body: await response.json() }),
      (err: Error) => ({ status: 'socket error', body: String(err.cause) }),
    ),
  );
  await eventually(
    'Seer to hold the 16 requests',
    async () => {
      const { requests } = (await (await fetch(`${seer}/requests`)).json()) as {
        requests: Array<{ fault: { hang?: boolean } | null }>;
      };
      return requests.filter((r) => r.fault?.hang === true).length === 16;
    },
    30_000,
  );
  const exit = await stack.kill('SIGINT');
  const answered = await Promise.all(answers);
  // 500 seer_run_pending with a retry_token, or LIVE if Seer let go: never a socket error.
  expect(answered).toEqual(
    answered.map((answer) =>
      answer.status === 201
        ? { status: 201, body: expect.objectContaining({ status: 'LIVE' }) }
        : {
            status: 500,
            body: expect.objectContaining({
              error: 'seer_run_pending',
              retry_token: expect.stringMatching(/^[0-9a-f-]{36}$/),
            }),
          },
    ),
  );
  // The API drained before anything else was asked to stop.
  const out = stack.output();
  expect(out.indexOf('API stopped')).toBeGreaterThan(-1);
  expect(out.indexOf('API stopped')).toBeLessThan(out.search(/\[worker\].*draining/));

  expect(exit.code).toBe(0);
  expect(stack.output()).toContain('stopped.');
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  expect(alive).toEqual([]);
});
