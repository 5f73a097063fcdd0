// The image's /app without the image (no engine here): package.json, the lockfile, `npm ci
// --omit=dev`, dist/ and the workflow bundle, laid out as the Dockerfile lays them out. The entry
// points the Dockerfile and compose name start there with the image's ENV and nothing from this
// repository, so a package the running image would miss fails here.
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { readEntryPoints } from '../../src/cluster/entry-points';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { NODE_RUNTIME_OPTIONS, spawnCommand, type ManagedProcess } from '../../src/stack/processes';
import { freePort } from '../../src/temporal/dev-server';
import { eventually } from '../support/processes';
import { testServer } from '../support/temporal';

const ROOT = join(__dirname, '../..');
const SECRET = 'image-layout-secret';
const TOKEN = 'image-layout-token';

/** The ENV of the Dockerfile's last stage, with its /app paths moved to `app`. */
function imageEnv(app: string): Record<string, string> {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replaceAll('\\\n', ' ');
  const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, line] of runStage.matchAll(/^ENV (.*)$/gm)) {
    for (const [, name, value] of line!.matchAll(/(\w+)=(\S+)/g)) {
      env[name!] = value!.replace(/^\/app(?=\/|$)/, app);
    }
  }
  return env;
}

/**
 * `npm ci --omit=dev` of this lockfile, once per lockfile: cached under ~/.cache/seer-runs, keyed
 * by the lockfile's hash, built aside and renamed into place so concurrent runs never share half.
 */
function productionNodeModules(): string {
  const lock = readFileSync(join(ROOT, 'package-lock.json'));
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const cacheRoot = join(
    process.env.SEER_RUNS_CACHE_DIR ??
      join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'seer-runs'),
    'image-node-modules',
  );
  const dir = join(cacheRoot, key);
  if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules');
  mkdirSync(cacheRoot, { recursive: true });
  const staging = mkdtempSync(join(cacheRoot, `.${key}.`));
  for (const file of ['package.json', 'package-lock.json']) {
    copyFileSync(join(ROOT, file), join(staging, file));
  }
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
    cwd: staging,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run put it there first
  }
  // Earlier lockfiles' trees are dead weight.
  for (const entry of readdirSync(cacheRoot)) {
    if (entry !== key && !entry.startsWith('.')) {
      rmSync(join(cacheRoot, entry), { recursive: true, force: true });
    }
  }
  return join(dir, 'node_modules');
}

let app: string;
let fake: FakeSeer;
const started: ManagedProcess[] = [];
const output = new Map<string, string>();
const timings: Record<string, number> = {};

async function timed<T>(step: string, work: () => T | Promise<T>): Promise<T> {
  const begun = Date.now();
  const result = await work();
  timings[step] = Date.now() - begun;
  return result;
}

/** `node <argv>` from `app`, with only the image's ENV and `env`: nothing inherited from jest. */
function startInApp(name: string, argv: string[], env: Record<string, string>): ManagedProcess {
  output.set(name, '');
  const proc = spawnCommand(name, process.execPath, argv, {
    cwd: app,
    env: { PATH: process.env.PATH, ...imageEnv(app), ...env },
    onLine: (line) => output.set(name, `${output.get(name)}${line}\n`),
  });
  started.push(proc);
  return proc;
}

beforeAll(async () => {
  app = join(mkdtempSync(join(tmpdir(), 'seer-runs-image-')), 'app');
  mkdirSync(app);
  // The Dockerfile's final stage: package.json, package-lock.json, `npm ci --omit=dev`, then the
  // build stage's dist/ (compiled, plus the workflow bundle).
  for (const file of ['package.json', 'package-lock.json']) {
    copyFileSync(join(ROOT, file), join(app, file));
  }
  const nodeModules = await timed('npm ci --omit=dev', productionNodeModules);
  symlinkSync(nodeModules, join(app, 'node_modules'), 'dir');
  await timed('compile', () =>
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(app, 'dist'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const bundlePath = imageEnv(app).WORKFLOW_BUNDLE_PATH!;
  await timed('prebundle', () =>
    execFileSync(process.execPath, ['dist/src/temporal/prebundle.js', bundlePath], {
      cwd: app,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  fake = await startFakeSeer({ sharedSecret: SECRET });
}, 600_000);

afterAll(async () => {
  for (const proc of started) proc.child.kill('SIGKILL');
  await Promise.all(started.map((proc) => proc.exited));
  await fake?.close();
  if (app) rmSync(join(app, '..'), { recursive: true, force: true });
  process.stdout.write(`image layout: ${JSON.stringify(timings)} ms\n`);
});

it('runs node with the options npm start and the cluster give their processes (NODE_OPTIONS)', () => {
  expect(imageEnv('/app').NODE_OPTIONS).toBe(NODE_RUNTIME_OPTIONS);
});

it('holds only production dependencies: no TypeScript, jest or tsx in node_modules', () => {
  const has = (name: string) => existsSync(join(app, 'node_modules', name, 'package.json'));
  expect(['fastify', 'undici', 'zod', '@temporalio/worker'].filter(has)).toHaveLength(4);
  expect(['typescript', 'jest', 'tsx', 'eslint', 'prettier', '@swc/jest'].filter(has)).toEqual([]);
});

it('the worker and the API start from the entry points the image names, and a run goes LIVE through them', async () => {
  const { address, namespace } = testServer();
  const entries = readEntryPoints(ROOT);
  const [apiPort, metricsPort] = [await freePort(), await freePort()];
  const env = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `image-layout-${randomUUID()}`,
    SEER_URL: fake.url,
    SEER_SHARED_SECRET: SECRET,
    SEER_RUNS_API_TOKENS: JSON.stringify({ [TOKEN]: '*' }),
    SEER_RUNS_PAGE_TOKEN_KEY: 'image-layout-page-token-key-0123456789',
    LOG_LEVEL: 'info',
  };
  startInApp('worker', entries.worker, { ...env, WORKER_METRICS_PORT: String(metricsPort) });
  startInApp('api', entries.api, { ...env, PORT: String(apiPort) });
  const url = `http://127.0.0.1:${apiPort}`;

  await eventually(
    `the worker to start:\n${output.get('worker')}`,
    () => output.get('worker')?.includes('worker started'),
    60_000,
  );
  const health = await eventually(
    'the API to answer /healthz',
    async () => {
      const res = await request(`${url}/healthz`);
      await res.body.dump();
      return res.statusCode;
    },
    60_000,
  );
  expect(health).toBe(200);

  const res = await request(`${url}/v1/organizations/7/seer-runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'explorer', request: { query: 'from the image layout' } }),
  });
  const body = (await res.body.json()) as { status: string; run_id: number };
  expect({ status: res.statusCode, body }).toEqual({
    status: 201,
    body: expect.objectContaining({ status: 'LIVE', run_id: fake.state.runs[0]?.run_id }),
  });
  expect(fake.state.runs).toHaveLength(1);
});
