// Schemathesis (PyPI, scripts/schemathesis.sh), a property-based tester for OpenAPI, run against
// the API process as a new user would run it: from the served /openapi.json, every check on, a
// fixed seed and a few examples per operation. The document and the service must agree: 0 failures.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { freePort } from '../../src/temporal/dev-server';
import { eventually, startEntry, type EntryProcess } from '../support/processes';
import { testServer } from '../support/temporal';

jest.setTimeout(240_000);

const SECRET = 'schemathesis-secret';
const MAX_EXAMPLES = 30;
// A POST whose run is not LIVE by then answers 500 with its token: a short wait keeps such a case
// from holding the run for the default 10 s.
const SYNC_WAIT_MS = 2_000;

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

let fake: FakeSeer;
let api: EntryProcess;
let url: string;
let schemathesis: string;

beforeAll(async () => {
  schemathesis = execFileSync('bash', [join(__dirname, '../../scripts/schemathesis.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  fake = await startFakeSeer({ sharedSecret: SECRET });
  const { address, namespace, bundlePath } = testServer();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  api = startEntry('src/api/main.ts', {
    PORT: String(port),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `schemathesis-${randomUUID()}`,
    // The embedded worker (the default) runs the runs, from the suite's bundle.
    WORKFLOW_BUNDLE_PATH: bundlePath,
    SEER_URL: fake.url,
    SEER_SHARED_SECRET: SECRET,
    SYNC_WAIT_TIMEOUT_MS: String(SYNC_WAIT_MS),
    // As `npm run api` starts for a newcomer: dev-token acts for every organization.
    NODE_ENV: 'development',
    HOST: '',
    SEER_RUNS_API_TOKENS: '',
    LOG_LEVEL: 'warn',
  });
  await eventually('the API to be ready', async () => (await fetch(`${url}/readyz`)).ok, 60_000);
}, 180_000);

afterAll(async () => {
  await api?.kill('SIGKILL');
  await fake?.close();
});

interface Run {
  code: number | null;
  output: string;
}

/** `schemathesis <args>` in `dir`: it writes its caches and reports where it runs. */
function runSchemathesis(dir: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(schemathesis, args, {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => (output += text));
    }
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

it('finds no failure on any operation of the served document, with every check on', async () => {
  const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  // A path item also holds `parameters`, `summary`...: only its methods are operations.
  const operations = Object.values(document.paths)
    .flatMap((item) => Object.keys(item))
    .filter((key) => HTTP_METHODS.has(key)).length;

  const dir = mkdtempSync(join(tmpdir(), 'seer-runs-schemathesis-'));
  const run = await runSchemathesis(dir, [
    'run',
    `${url}/openapi.json`,
    '--url',
    url,
    '--checks',
    'all',
    // Hypothesis derandomized: the same cases on every run (Schemathesis then ignores --seed).
    '--generation-deterministic',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--header',
    'Authorization: Bearer dev-token',
    // Every failing case is reported, not only each operation's first.
    '--continue-on-failure',
    // Every request and answer, for a failure the summary does not explain.
    '--report',
    'ndjson',
    '--report-dir',
    dir,
    '--no-color',
  ]);

  // One string, so that a failure prints Schemathesis' own report (a curl line per failing case).
  expect(`schemathesis exited ${run.code}\n${run.output}`).toMatch(
    new RegExp(`^schemathesis exited 0\\n[^]*\\n\\s*Tested: ${operations}[^\\S\\n]*\\n`),
  );
});
