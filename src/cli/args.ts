// The CLI's command line, parsed and checked once (node:util parseArgs): a bad one is one line
// naming the flag (exit 2), never a stack trace.
import { parseArgs } from 'node:util';
import { MAX_PAGE_SIZE } from '../contract/seer-runs-requests';
import { RUN_TYPES, type RunType } from '../domain/run-types';
import { SeerRunStatus } from '../domain/seer-run';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEFAULT_TOKEN = 'dev-token';
export const DEFAULT_WAIT_SECONDS = 60;
export const DEFAULT_LIST_LIMIT = 50;
const MAX_WAIT_SECONDS = 86_400;
const MAX_LIST_LIMIT = 100_000;

export const USAGE = `usage: seer-runs [--url URL] [--token TOKEN] [--json] runs <command>
  runs start --type TYPE --org ORG --body FILE|- [--idempotency-key KEY] [--wait-seconds N]
  runs get --org ORG RUN_UUID
  runs list --org ORG [--status PENDING|LIVE|FAILED] [--type TYPE] [--limit N]
  runs watch --org ORG RUN_UUID [--wait-seconds N]
TYPE: ${RUN_TYPES.join(', ')}. --body: the POST body as JSON (the same as curl's -d), - reads stdin.
--url: env SEER_RUNS_URL, default ${DEFAULT_URL}; --token: env SEER_RUNS_TOKEN, default ${DEFAULT_TOKEN}.
--wait-seconds: how long start and watch follow the run (default ${DEFAULT_WAIT_SECONDS}).
Exit codes: 0 LIVE or done, 1 FAILED, 2 usage, 3 still PENDING, 4 API error, 5 API unreachable.`;

export interface Globals {
  url: string;
  token: string;
  json: boolean;
}

export type Command =
  | { kind: 'help' }
  | {
      kind: 'start';
      org: number;
      type: RunType;
      body: string;
      idempotencyKey: string | undefined;
      waitSeconds: number;
    }
  | { kind: 'get'; org: number; runUuid: string }
  | {
      kind: 'list';
      org: number;
      status: SeerRunStatus | undefined;
      type: RunType | undefined;
      limit: number;
    }
  | { kind: 'watch'; org: number; runUuid: string; waitSeconds: number };

export type Parsed =
  | { kind: 'command'; globals: Globals; command: Command }
  | { kind: 'usage'; json: boolean; message: string };

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  type: { type: 'string' },
  org: { type: 'string' },
  body: { type: 'string' },
  'idempotency-key': { type: 'string' },
  'wait-seconds': { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
} as const;
type Flag = keyof typeof OPTIONS;

const GLOBAL_FLAGS: Flag[] = ['url', 'token', 'json', 'help'];

/** Each command's own flags (the required ones first) and its positional arguments. */
const COMMANDS = {
  start: { required: ['type', 'org', 'body'], optional: ['idempotency-key', 'wait-seconds'] },
  get: { required: ['org'], optional: [], positional: 'RUN_UUID' },
  list: { required: ['org'], optional: ['status', 'type', 'limit'] },
  watch: { required: ['org'], optional: ['wait-seconds'], positional: 'RUN_UUID' },
} as const satisfies Record<
  string,
  { required: readonly Flag[]; optional: readonly Flag[]; positional?: string }
>;
type CommandName = keyof typeof COMMANDS;

class UsageError extends Error {
  override name = 'UsageError';
}

export function parseCli(argv: string[], env: Record<string, string | undefined>): Parsed {
  const json = argv.includes('--json');
  try {
    return { kind: 'command', ...parseOrThrow(argv, env) };
  } catch (err) {
    if (!(err instanceof UsageError) && !isParseArgsError(err)) throw err;
    // node:util's messages name the flag; their first line is the whole story.
    return { kind: 'usage', json, message: (err as Error).message.split('\n')[0] ?? 'invalid' };
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function parseOrThrow(
  argv: string[],
  env: Record<string, string | undefined>,
): { globals: Globals; command: Command } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  const globals: Globals = {
    url: apiUrl(values.url ?? env.SEER_RUNS_URL ?? DEFAULT_URL),
    token: values.token ?? env.SEER_RUNS_TOKEN ?? DEFAULT_TOKEN,
    json: values.json ?? false,
  };
  if (values.help) return { globals, command: { kind: 'help' } };
  const [noun, verb, ...rest] = positionals;
  if (noun === undefined)
    throw new UsageError('missing command: seer-runs runs <command> (see --help)');
  if (noun !== 'runs') throw new UsageError(`unknown command ${quote(noun)}: expected runs`);
  if (verb === undefined) throw new UsageError(`missing command after runs: ${commandNames()}`);
  if (!isCommandName(verb)) {
    throw new UsageError(`unknown command runs ${quote(verb)}: expected ${commandNames()}`);
  }
  const spec: { required: readonly Flag[]; optional: readonly Flag[]; positional?: string } =
    COMMANDS[verb];
  for (const flag of Object.keys(values) as Flag[]) {
    if (!GLOBAL_FLAGS.includes(flag) && ![...spec.required, ...spec.optional].includes(flag)) {
      throw new UsageError(`--${flag} is not a flag of runs ${verb}`);
    }
  }
  const missing = spec.required.find((flag) => values[flag] === undefined);
  if (missing !== undefined) throw new UsageError(`runs ${verb}: missing --${missing}`);
  const positional = spec.positional;
  if (positional === undefined && rest.length > 0) {
    throw new UsageError(`runs ${verb} takes no argument, got ${quote(rest[0] ?? '')}`);
  }
  if (positional !== undefined && rest.length !== 1) {
    throw new UsageError(
      rest.length === 0
        ? `runs ${verb}: missing ${positional}`
        : `runs ${verb}: one ${positional} only`,
    );
  }
  const org = orgOf(values.org ?? '');
  switch (verb) {
    case 'start':
      return {
        globals,
        command: {
          kind: 'start',
          org,
          type: typeOf(values.type ?? ''),
          body: values.body ?? '',
          idempotencyKey: values['idempotency-key'],
          waitSeconds: wholeNumber(
            '--wait-seconds',
            values['wait-seconds'],
            DEFAULT_WAIT_SECONDS,
            MAX_WAIT_SECONDS,
          ),
        },
      };
    case 'get':
      return { globals, command: { kind: 'get', org, runUuid: rest[0] ?? '' } };
    case 'list':
      return {
        globals,
        command: {
          kind: 'list',
          org,
          status: values.status === undefined ? undefined : statusOf(values.status),
          type: values.type === undefined ? undefined : typeOf(values.type),
          limit: wholeNumber('--limit', values.limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT),
        },
      };
    case 'watch':
      return {
        globals,
        command: {
          kind: 'watch',
          org,
          runUuid: rest[0] ?? '',
          waitSeconds: wholeNumber(
            '--wait-seconds',
            values['wait-seconds'],
            DEFAULT_WAIT_SECONDS,
            MAX_WAIT_SECONDS,
          ),
        },
      };
  }
}

/** The page size a --limit asks for: no more than the API's largest page. */
export function pageSizeFor(limit: number): number {
  return Math.min(limit, MAX_PAGE_SIZE);
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

function commandNames(): string {
  return Object.keys(COMMANDS).join(', ');
}

function orgOf(raw: string): number {
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`--org ${quote(raw)}: expected an organization id (a whole number)`);
  }
  return Number(raw);
}

function typeOf(raw: string): RunType {
  const type = RUN_TYPES.find((name) => name === raw);
  if (type === undefined) {
    throw new UsageError(`--type ${quote(raw)}: expected one of ${RUN_TYPES.join(', ')}`);
  }
  return type;
}

function statusOf(raw: string): SeerRunStatus {
  const status = Object.values(SeerRunStatus).find((name) => name === raw);
  if (status === undefined) {
    throw new UsageError(
      `--status ${quote(raw)}: expected one of ${Object.values(SeerRunStatus).join(', ')}`,
    );
  }
  return status;
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    throw new UsageError(`${flag} ${quote(raw)}: expected a whole number from 1 to ${max}`);
  }
  return value;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

/** An http(s) URL, or a usage error: `localhost:8080` would otherwise read as an API unreachable. */
function apiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--url ${JSON.stringify(raw)}: expected an http(s) URL such as ${DEFAULT_URL}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `--url ${JSON.stringify(raw)}: expected an http(s) URL such as ${DEFAULT_URL}`,
    );
  }
  return raw;
}
