// Schemathesis (PyPI, scripts/schemathesis.sh), a property-based tester for OpenAPI, run against
// the API process as a new user would run it: from the served /openapi.json, every check on,
// deterministic generation and a few examples per operation. The document and the service must
// agree. Its hooks (schemathesis-hooks.py) make positive cases obey the rules the document states in
// words; the one failure tolerated is a 5xx the document declares, with its `error` code, for the
// operation (Schemathesis' not_a_server_error fails every 5xx, declared or not).
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeSeer, type FakeSeer } from '../../src/fake-seer/server';
import { freePort } from '../../src/temporal/dev-server';
import { eventually, startEntry, type EntryProcess } from '../support/processes';
import { testServer } from '../support/temporal';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '../..');
const SECRET = 'schemathesis-secret';
const MAX_EXAMPLES = 30;
// A POST whose run is not LIVE by then answers 500 with its token: a short wait keeps such a case
// from holding the run for the default 10 s.
const SYNC_WAIT_MS = 2_000;
/** Schemathesis' code for its not_a_server_error check. */
const SERVER_ERROR = 'ST101';

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components?: Record<string, Record<string, unknown>>;
}

/** What the NDJSON report records per scenario (only the fields read here). */
interface Recorder {
  checks: Record<string, Array<{ name: string; status: string; failure_info?: FailureInfo }>>;
  interactions: Record<string, Interaction | undefined>;
}
interface FailureInfo {
  failure: { code: string; title: string; operation: string; message: string };
}
interface Interaction {
  request: { method: string; uri: string; body?: Bytes | null };
  response: { status_code: number; content?: Bytes | null } | null;
}
type Bytes = { $base64: string } | string;

interface Failure {
  code: string;
  check: string;
  operation: string;
  status: number | null;
  /** The answer's `error` field, when it was the error shape. */
  error: string | null;
  /** One line a person can read and rerun. */
  text: string;
}

let fake: FakeSeer;
let api: EntryProcess;
let url: string;
let schemathesis: string;

beforeAll(async () => {
  schemathesis = execFileSync('bash', [join(ROOT, 'scripts/schemathesis.sh')], {
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

/** `schemathesis <args>` in `dir`: it writes its caches and reports where it runs. */
function runSchemathesis(
  dir: string,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(schemathesis, args, {
      cwd: dir,
      env: {
        ...process.env,
        SCHEMATHESIS_HOOKS: join(__dirname, 'schemathesis-hooks.py'),
        NO_COLOR: '1',
        COLUMNS: '120',
      },
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

function decoded(bytes: Bytes | null | undefined): string {
  if (bytes === null || bytes === undefined) return '';
  return typeof bytes === 'string' ? bytes : Buffer.from(bytes.$base64, 'base64').toString('utf8');
}

function errorCodeOf(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: unknown } | null)?.error;
    return typeof error === 'string' ? error : null;
  } catch {
    return null;
  }
}

/** Every failed check in the NDJSON report, once per case and check; and its engine errors. */
function readReport(dir: string): { failures: Failure[]; errors: string[] } {
  const file = readdirSync(dir).find((name) => name.endsWith('.ndjson'));
  if (file === undefined) return { failures: [], errors: ['no NDJSON report was written'] };
  const failures = new Map<string, Failure>();
  const errors: string[] = [];
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as Record<string, unknown>;
    for (const kind of ['NonFatalError', 'FatalError']) {
      if (kind in event) errors.push(`${kind}: ${JSON.stringify(event[kind]).slice(0, 1_000)}`);
    }
    const recorder = (event.ScenarioFinished as { recorder?: Recorder } | undefined)?.recorder;
    for (const [caseId, checks] of Object.entries(recorder?.checks ?? {})) {
      for (const check of checks) {
        if (check.status !== 'failure' || check.failure_info === undefined) continue;
        const { failure } = check.failure_info;
        const interaction = recorder?.interactions[caseId];
        const status = interaction?.response?.status_code ?? null;
        const body = decoded(interaction?.response?.content);
        const sent = interaction ? decoded(interaction.request.body) : '';
        const curl = interaction
          ? `curl -X ${interaction.request.method} '${interaction.request.uri}'` +
            (sent === '' ? '' : ` -d '${sent.slice(0, 300)}'`)
          : '(no request recorded)';
        failures.set(`${caseId} ${check.name}`, {
          code: failure.code,
          check: check.name,
          operation: failure.operation,
          status,
          error: errorCodeOf(body),
          text: `${failure.code} ${failure.title} (${check.name}) on ${failure.operation}: ${status} ${body.slice(0, 300)}\n    ${curl}`,
        });
      }
    }
  }
  return { failures: [...failures.values()], errors };
}

/** Every `error` enum under the document's answer `status` of `operation` ("POST /path"). */
function declaredErrorCodes(
  document: OpenApiDocument,
  operation: string,
  status: number,
): string[] {
  const [method = '', path = ''] = operation.split(' ');
  const answer = document.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)];
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) {
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], document);
      visit(target);
    }
    const error = (node as { properties?: { error?: { enum?: unknown } } }).properties?.error;
    if (Array.isArray(error?.enum)) codes.push(...(error.enum as string[]));
    for (const child of Object.values(node)) visit(child);
  };
  visit(answer);
  return codes;
}

it('finds no failure on any operation of the served document, with every check on', async () => {
  const document = JSON.parse(
    readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8'),
  ) as OpenApiDocument;
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
    // Schemathesis leaves out the operation that served the document unless a filter names it:
    // this one names every path.
    '--include-path-regex',
    '^/',
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
    // Every request and answer, read below.
    '--report',
    'ndjson',
    '--report-dir',
    dir,
    '--no-color',
  ]);

  const { failures, errors } = readReport(dir);
  const declared = (failure: Failure) =>
    failure.code === SERVER_ERROR &&
    failure.status !== null &&
    failure.error !== null &&
    declaredErrorCodes(document, failure.operation, failure.status).includes(failure.error);
  const tolerated = failures.filter(declared);
  const unexpected = failures.filter((failure) => !declared(failure));
  const tested = Number(/\n\s*Tested: (\d+)\s*\n/.exec(run.output)?.[1] ?? NaN);
  // Schemathesis exits 1 on any failure, a tolerated one included.
  const exitCode = tolerated.length > 0 ? 1 : 0;

  const byAnswer = new Map<string, number>();
  for (const { operation, status, error } of tolerated) {
    const key = `${status} ${error} on ${operation}`;
    byAnswer.set(key, (byAnswer.get(key) ?? 0) + 1);
  }
  process.stdout.write(
    `\nSchemathesis: ${failures.length} failed checks, ${tolerated.length} of them a documented 5xx` +
      [...byAnswer].map(([answer, count]) => `\n  ${count} × ${answer}`).join('') +
      '\n',
  );

  // One string, so that a failure prints every unexpected failure and Schemathesis' own report.
  const clean =
    run.code === exitCode && tested === operations && unexpected.length + errors.length === 0;
  expect(
    clean
      ? 'clean'
      : `schemathesis exited ${run.code}, tested ${tested} of ${operations} operations\n` +
          [...errors, ...unexpected.map((failure) => failure.text)].join('\n') +
          `\n\n${run.output}`,
  ).toBe('clean');
});
