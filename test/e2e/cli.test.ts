// `seer-runs` from a shell, as a person or a script runs it (bin/seer-runs), against a real API, a
// real worker and the fake Seer: its lines, its --json, its exit codes, and its one-line refusals.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runUuidFor } from '../../src/api/idempotency';
import { freePort } from '../../src/temporal/dev-server';
import {
  bodyOf,
  eventually,
  ROUTE,
  startApi,
  TEST_TOKEN,
  uniqueOrgId,
  type ApiHarness,
} from '../support/api';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '../..');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let api: ApiHarness;
let dir: string;
beforeAll(async () => {
  api = await startApi();
  dir = mkdtempSync(join(tmpdir(), 'seer-runs-cli-'));
  writeFileSync(join(dir, 'explorer.json'), JSON.stringify(bodyOf('explorer')));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ request: { query: '' } }));
});
afterAll(async () => {
  await api?.stop();
});

interface Ran {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

/** `command` through sh, in the repository, with the API's URL and token in the environment. */
function sh(command: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: ROOT,
      env: { ...process.env, SEER_RUNS_URL: api.url, SEER_RUNS_TOKEN: TEST_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: lines(stdout), stderr: lines(stderr) }));
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

const CLI = 'node bin/seer-runs';

describe('seer-runs runs start', () => {
  it('makes a run and prints one line: its UUID, LIVE, run_id (exit 0)', async () => {
    const org = uniqueOrgId();
    const ran = await sh(
      `${CLI} runs start --type explorer --org ${org} --body ${dir}/explorer.json`,
    );

    expect(ran).toMatchObject({ code: 0, stderr: [] });
    expect(ran.stdout).toHaveLength(1);
    expect(ran.stdout[0]).toMatch(new RegExp(`^${UUID.source}  LIVE {5}run_id=\\d+  created$`));
  });

  it('reads the body from stdin with --body -, and prints the outcome as JSON with --json', async () => {
    const org = uniqueOrgId();
    const ran = await sh(
      `cat ${dir}/explorer.json | ${CLI} --json runs start --type explorer --org ${org} --body - --idempotency-key cli-1`,
    );

    expect(ran).toMatchObject({ code: 0, stderr: [] });
    expect(ran.stdout).toHaveLength(1);
    expect(JSON.parse(ran.stdout[0]!)).toEqual({
      status: 'LIVE',
      run_id: expect.any(Number),
      run_uuid: runUuidFor(org, 'cli-1'),
      created: true,
      idempotency_key: 'cli-1',
    });
  });

  it('a run Seer refuses prints FAILED with its reason (exit 1)', async () => {
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ status: 400 }]);
    const ran = await sh(
      `${CLI} runs start --type explorer --org ${uniqueOrgId()} --body ${dir}/explorer.json`,
    );

    expect(ran.code).toBe(1);
    expect(ran.stdout).toHaveLength(1);
    expect(ran.stdout[0]).toMatch(
      / {2}FAILED {3}reason=seer_rejected {2}seer_status=400 {2}seer_rejected$/,
    );
  });

  it('a missing flag is one line and exit 2, no stack trace', async () => {
    const ran = await sh(`${CLI} runs start --org 1 --body ${dir}/explorer.json`);
    expect(ran).toEqual({ code: 2, stdout: [], stderr: ['seer-runs: runs start: missing --type'] });
  });

  it('an unreadable --body file is one line and exit 2', async () => {
    const ran = await sh(`${CLI} runs start --type explorer --org 1 --body ${dir}/missing.json`);
    expect(ran).toEqual({
      code: 2,
      stdout: [],
      stderr: [`seer-runs: --body ${dir}/missing.json: cannot read it (no such file)`],
    });
  });

  it('a --body that is not JSON is one line and exit 2', async () => {
    const ran = await sh(`printf 'nope\\n' | ${CLI} runs start --type explorer --org 1 --body -`);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toEqual([]);
    expect(ran.stderr).toHaveLength(1);
    expect(ran.stderr[0]).toMatch(/^seer-runs: --body stdin: not JSON \(/);
  });

  it('a body the API would refuse is one line and exit 2, and is not sent', async () => {
    const answered = api.answeredInMs.length;
    const ran = await sh(`${CLI} runs start --type explorer --org 1 --body ${dir}/bad.json`);

    expect(ran.code).toBe(2);
    expect(ran.stdout).toEqual([]);
    expect(ran.stderr).toHaveLength(1);
    expect(ran.stderr[0]).toMatch(
      /^seer-runs: 400 invalid_request \(not sent\): the request body is invalid: request\.query: /,
    );
    expect(api.answeredInMs).toHaveLength(answered);
  });

  it('an API that cannot be reached is one line and exit 5', async () => {
    const port = await freePort();
    const ran = await sh(
      `${CLI} --url http://127.0.0.1:${port} runs start --type explorer --org 1 --body ${dir}/explorer.json --idempotency-key down-1 --wait-seconds 2`,
    );

    expect(ran.code).toBe(5);
    expect(ran.stdout).toEqual([]);
    expect(ran.stderr).toEqual([
      `seer-runs: the seer-runs API at http://127.0.0.1:${port} could not be reached (ECONNREFUSED); send it again with --idempotency-key down-1`,
    ]);
  });
});

describe('npx seer-runs', () => {
  it("runs the project's own bin from the checkout (--no: never a package from the registry)", async () => {
    const ran = await sh('npx --no -- seer-runs --help');
    expect(ran.code).toBe(0);
    expect(ran.stdout[0]).toBe(
      'usage: seer-runs [--url URL] [--token TOKEN] [--json] runs <command>',
    );
  });
});

describe('seer-runs runs get, list, watch', () => {
  it('get prints the run; watch of a LIVE run exits 0; list prints one line per run (JSON lines with --json)', async () => {
    const org = uniqueOrgId();
    const uuids: string[] = [];
    for (const key of ['a', 'b', 'c']) {
      const ran = await sh(
        `${CLI} runs start --type explorer --org ${org} --body ${dir}/explorer.json --idempotency-key ${key}`,
      );
      expect(ran.code).toBe(0);
      uuids.push(runUuidFor(org, key));
    }

    const got = await sh(`${CLI} runs get --org ${org} ${uuids[0]}`);
    expect(got).toMatchObject({ code: 0, stderr: [] });
    expect(got.stdout).toHaveLength(1);
    expect(got.stdout[0]).toMatch(
      new RegExp(
        `^${uuids[0]}  LIVE {5}run_id=\\d+  explorer  attempts=1  started=\\S+  closed=\\S+$`,
      ),
    );

    const watched = await sh(`${CLI} --json runs watch --org ${org} ${uuids[1]}`);
    expect(watched.code).toBe(0);
    expect(JSON.parse(watched.stdout[0]!)).toMatchObject({ run_uuid: uuids[1], status: 'LIVE' });

    await eventually(async () => {
      const listed = await sh(`${CLI} --json runs list --org ${org} --status LIVE --limit 2`);
      expect(listed).toMatchObject({ code: 0, stderr: [] });
      expect(listed.stdout).toHaveLength(2);
      const all = await sh(`${CLI} runs list --org ${org}`);
      expect(all.stdout.map((line) => line.split('  ')[0]).sort()).toEqual([...uuids].sort());
    }, 20_000);
  });

  it('get of an unknown run is the API error in one line, exit 4', async () => {
    const ran = await sh(`${CLI} runs get --org 1 ${runUuidFor(1, 'nothing-here')}`);
    expect(ran.code).toBe(4);
    expect(ran.stderr).toHaveLength(1);
    expect(ran.stderr[0]).toMatch(/^seer-runs: 404 run_not_found: no run /);
  });

  it('watch of a run still PENDING at --wait-seconds exits 3', async () => {
    const org = uniqueOrgId();
    api.fakeSeer.queueFaults(ROUTE.explorer, [{ hang: true }]);
    const started = await sh(
      `${CLI} runs start --type explorer --org ${org} --body ${dir}/explorer.json --idempotency-key slow --wait-seconds 1`,
    );
    expect(started.code).toBe(3);
    expect(started.stdout[0]).toMatch(
      /PENDING {2}idempotency_key=slow {2}not LIVE by the deadline/,
    );
    const runUuid = runUuidFor(org, 'slow');
    await eventually(async () => {
      const got = await api.call('GET', `/v1/organizations/${org}/seer-runs/${runUuid}`);
      expect(got.body.status).toBe('PENDING');
    });

    const watched = await sh(`${CLI} runs watch --org ${org} ${runUuid} --wait-seconds 1`);
    expect(watched.code).toBe(3);
    expect(watched.stdout[0]).toMatch(/ {2}PENDING {2}run_id=- {2}explorer/);
  });
});
