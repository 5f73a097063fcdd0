// The production-shaped cluster through startCluster: PostgreSQL, Temporal's four services behind
// mTLS, two workers and two APIs from the compiled build. A run made on one replica reads on the other.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCluster, type Cluster } from '../../src/cluster/cluster';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '../..');
const AUTH = { Authorization: 'Bearer dev-token' };

jest.setTimeout(60_000);

let cluster: Cluster;
const lines: string[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'seer-runs-cluster-'));

beforeAll(async () => {
  try {
    cluster = await startCluster({
      dataDir,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        TEMPORAL_DB_HOST: '',
        SEER_URL: '',
        SEER_RUNS_API_TOKENS: '',
        PAYLOAD_ENCRYPTION_KEYS: '',
      },
      onLine: (name, line) => lines.push(`[${name}] ${line}`),
    });
  } catch (err) {
    process.stderr.write(`${lines.slice(-40).join('\n')}\n`);
    throw err;
  }
  process.stdout.write(`cluster up in ${JSON.stringify(cluster.timings)} ms\n`);
}, 240_000);
afterAll(async () => {
  await cluster?.stop();
  // PostgreSQL's data directory is some 40 MB.
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

it('runs every process the issue names, each its own pid', () => {
  expect(cluster.list().map((child) => child.name)).toEqual([
    'postgres',
    'history',
    'matching',
    'frontend',
    'temporal-worker',
    'codec',
    'fake-seer',
    'worker-1',
    'worker-2',
    'api-1',
    'api-2',
  ]);
  const pids = cluster.list().map((child) => child.pid);
  expect(new Set(pids).size).toBe(pids.length);
});

it('makes a LIVE run through api-1 and reads it back through api-2', async () => {
  const [api1, api2] = cluster.apiUrls;
  const created = await fetch(`${api1}/v1/organizations/1/seer-runs`, {
    method: 'POST',
    headers: { ...AUTH, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'explorer', project_id: 11, request: { query: 'cluster?' } }),
  });
  const body = (await created.json()) as { run_uuid: string; run_id: number; status: string };
  expect(created.status).toBe(201);
  expect(body.status).toBe('LIVE');

  const read = await fetch(`${api2}/v1/organizations/1/seer-runs/${body.run_uuid}`, {
    headers: AUTH,
  });
  expect(read.status).toBe(200);
  expect(await read.json()).toMatchObject({
    run_uuid: body.run_uuid,
    run_id: body.run_id,
    status: 'LIVE',
    type: 'explorer',
  });
});

it('refuses a Temporal client without a certificate', async () => {
  // Set by the global setup (scripts/temporal-cli.sh).
  const cli = process.env.TEMPORAL_CLI_PATH!;
  const withoutCert = {
    ...process.env,
    ...cluster.tlsEnv,
    TEMPORAL_TLS_CLIENT_CERT_PATH: '',
    TEMPORAL_TLS_CLIENT_KEY_PATH: '',
  };
  await expect(
    execFileAsync(cli, ['operator', 'namespace', 'list'], {
      env: withoutCert,
    }),
  ).rejects.toThrow();
  const withCert = { ...process.env, ...cluster.tlsEnv };
  const { stdout } = await execFileAsync(
    cli,
    ['operator', 'namespace', 'describe', '--namespace', cluster.namespace],
    { env: withCert },
  );
  expect(stdout).toContain('168h');
});

it.each([
  ['worker', 'dist/src/worker.js'],
  ['api', 'dist/src/api/main.js'],
])(
  'the compiled %s stops at start with one line naming the TLS variable of a wrong key',
  async (_name, entry) => {
    const env = {
      ...process.env,
      ...cluster.tlsEnv,
      // The CA's key is a valid key, but not the client certificate's.
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(
        cluster.tlsEnv.TEMPORAL_TLS_CLIENT_CERT_PATH!,
        '../ca.key',
      ),
      SEER_URL: cluster.seerUrl,
      PORT: '0',
      WORKER_METRICS_PORT: '0',
    };
    const failed = await execFileAsync(process.execPath, [entry], { cwd: ROOT, env }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    const stderr = failed!.stderr.trim().split('\n');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/failed: TEMPORAL_TLS_CLIENT_KEY_PATH: .*ca\.key is not the key of/);
  },
);
