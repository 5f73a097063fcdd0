// The CLI's command line: what each command reads from its flags and the environment, and the one
// line a bad command line gets (exit 2 in cli.ts).
import { parseCli } from '../../src/cli/args';

const UUID = '6f1c0d2e-8a1b-4c3d-9e4f-5a6b7c8d9e0f';

function usage(argv: string[]): string {
  const parsed = parseCli(argv, {});
  if (parsed.kind !== 'usage')
    throw new Error(`expected a usage error, got ${JSON.stringify(parsed)}`);
  return parsed.message;
}

describe('seer-runs command line', () => {
  it('runs start reads its flags; the URL and token default to the local stack', () => {
    expect(
      parseCli(['runs', 'start', '--type', 'explorer', '--org', '1', '--body', 'b.json'], {}),
    ).toEqual({
      kind: 'command',
      globals: { url: 'http://127.0.0.1:8080', token: 'dev-token', json: false },
      command: {
        kind: 'start',
        org: 1,
        type: 'explorer',
        body: 'b.json',
        idempotencyKey: undefined,
        waitSeconds: 60,
      },
    });
  });

  it('takes the URL and token from SEER_RUNS_URL and SEER_RUNS_TOKEN, and flags over them', () => {
    const env = { SEER_RUNS_URL: 'http://api:8080', SEER_RUNS_TOKEN: 'secret' };
    expect(parseCli(['runs', 'get', '--org', '2', UUID], env)).toMatchObject({
      globals: { url: 'http://api:8080', token: 'secret', json: false },
      command: { kind: 'get', org: 2, runUuid: UUID },
    });
    expect(
      parseCli(['--json', '--url', 'http://x', 'runs', 'get', '--org', '2', UUID], env),
    ).toMatchObject({ globals: { url: 'http://x', token: 'secret', json: true } });
  });

  it('runs list and runs watch', () => {
    expect(
      parseCli(
        ['runs', 'list', '--org', '3', '--status', 'FAILED', '--type', 'autofix', '--limit', '5'],
        {},
      ),
    ).toMatchObject({
      command: { kind: 'list', org: 3, status: 'FAILED', type: 'autofix', limit: 5 },
    });
    expect(
      parseCli(['runs', 'watch', '--org', '3', UUID, '--wait-seconds', '9'], {}),
    ).toMatchObject({ command: { kind: 'watch', org: 3, runUuid: UUID, waitSeconds: 9 } });
  });

  it.each([
    [[], 'missing command: seer-runs runs <command> (see --help)'],
    [['runs'], 'missing command after runs: start, get, list, watch'],
    [['jobs'], 'unknown command "jobs": expected runs'],
    [['runs', 'stop'], 'unknown command runs "stop": expected start, get, list, watch'],
    [['runs', 'start', '--org', '1', '--body', 'b.json'], 'runs start: missing --type'],
    [['runs', 'get', '--org', '1'], 'runs get: missing RUN_UUID'],
    [['runs', 'get', '--org', '1', UUID, UUID], 'runs get: one RUN_UUID only'],
    [['runs', 'list', '--org', '1', 'extra'], 'runs list takes no argument, got "extra"'],
    [['runs', 'get', '--org', '1', '--body', 'x', UUID], '--body is not a flag of runs get'],
    [
      ['runs', 'list', '--org', 'acme'],
      '--org "acme": expected an organization id (a whole number)',
    ],
    [
      ['runs', 'list', '--org', '1', '--type', 'chat'],
      '--type "chat": expected one of explorer, assisted_query, autofix, feature_run, pr_review',
    ],
    [
      ['runs', 'list', '--org', '1', '--status', 'live'],
      '--status "live": expected one of PENDING, LIVE, FAILED',
    ],
    [
      ['runs', 'list', '--org', '1', '--limit', '0'],
      '--limit "0": expected a whole number from 1 to 100000',
    ],
    [
      ['runs', 'watch', '--org', '1', UUID, '--wait-seconds', '1.5'],
      '--wait-seconds "1.5": expected a whole number from 1 to 86400',
    ],
    [['runs', 'get', '--colour', 'red'], /^Unknown option '--colour'\. /],
    [['runs', 'get', '--org'], "Option '--org <value>' argument missing"],
    [
      ['--url', 'localhost:8080', 'runs', 'get', '--org', '1', UUID],
      '--url "localhost:8080": expected an http(s) URL such as http://127.0.0.1:8080',
    ],
  ])('%j is one usage line: %s', (argv, message: string | RegExp) => {
    if (typeof message === 'string') expect(usage(argv)).toBe(message);
    else expect(usage(argv)).toMatch(message);
  });

  it('--help is a command of its own', () => {
    expect(parseCli(['--help'], {})).toMatchObject({ command: { kind: 'help' } });
  });
});
