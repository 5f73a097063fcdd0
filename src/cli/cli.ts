// `seer-runs runs start|get|list|watch`: the command line → the typed client → lines and an exit
// code. In-process (tests call it); main.ts is the process around it.
import { readFile } from 'node:fs/promises';
import {
  InvalidRequestError,
  SeerRunsApiError,
  SeerRunsClient,
  SeerRunsUnreachableError,
  type RunBody,
} from '../client';
import { pageSizeFor, parseCli, USAGE, type Command, type Globals } from './args';
import { ExitCode } from './exit-codes';
import { errorLine, outcomeJson, outcomeLine, runLine, usageLine } from './format';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** All of stdin, for `--body -`. */
  readStdin: () => Promise<string>;
  /** Ctrl-C: stops waiting (the run, if started, carries on). */
  signal?: AbortSignal;
}

class UsageError extends Error {
  override name = 'UsageError';
}

export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCli(argv, io.env);
  if (parsed.kind === 'usage') {
    io.stderr(usageLine(parsed.message, parsed.json));
    return ExitCode.usage;
  }
  const { globals, command } = parsed;
  try {
    return await run(command, globals, io);
  } catch (err) {
    if (io.signal?.aborted) {
      io.stderr(usageLine('interrupted; a run already started carries on', globals.json));
      return ExitCode.interrupted;
    }
    if (err instanceof UsageError) {
      io.stderr(usageLine(err.message, globals.json));
      return ExitCode.usage;
    }
    io.stderr(errorLine(err, globals.json));
    return exitCodeOf(err);
  }
}

function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof InvalidRequestError && !err.sent) return ExitCode.usage;
  if (err instanceof SeerRunsUnreachableError) return ExitCode.unreachable;
  if (err instanceof SeerRunsApiError) return ExitCode.apiError;
  return ExitCode.apiError;
}

async function run(command: Command, globals: Globals, io: CliIo): Promise<ExitCode> {
  const client = new SeerRunsClient({ baseUrl: globals.url, token: globals.token });
  const print = (human: string, json: string) => io.stdout(globals.json ? json : human);
  const signal = io.signal;
  switch (command.kind) {
    case 'help':
      io.stdout(USAGE);
      return ExitCode.ok;
    case 'start': {
      const body = await readRunBody(command.body, command.type, io);
      const outcome = await client.startRun(command.org, body, {
        idempotencyKey: command.idempotencyKey,
        deadline: Date.now() + command.waitSeconds * 1_000,
        signal,
      });
      print(outcomeLine(outcome, command.org), outcomeJson(outcome));
      return { LIVE: ExitCode.ok, FAILED: ExitCode.failed, PENDING: ExitCode.pending }[
        outcome.status
      ];
    }
    case 'get': {
      const view = await client.getRun(command.org, command.runUuid, { signal });
      print(runLine(view), JSON.stringify(view));
      return ExitCode.ok;
    }
    case 'list': {
      let left = command.limit;
      const pages = client.listRuns(command.org, {
        status: command.status,
        type: command.type,
        pageSize: pageSizeFor(command.limit),
        signal,
      });
      for await (const page of pages) {
        for (const view of page.runs.slice(0, left)) print(runLine(view), JSON.stringify(view));
        left -= Math.min(left, page.runs.length);
        if (left === 0) break;
      }
      return ExitCode.ok;
    }
    case 'watch': {
      const view = await client.waitForRun(command.org, command.runUuid, {
        deadline: Date.now() + command.waitSeconds * 1_000,
        signal,
      });
      print(runLine(view), JSON.stringify(view));
      return { LIVE: ExitCode.ok, FAILED: ExitCode.failed, PENDING: ExitCode.pending }[view.status];
    }
  }
}

/**
 * The POST body from `--body FILE|-`: a JSON object, as curl's -d would send it; `--type` fills in
 * its `type` (a body naming another type is refused).
 */
async function readRunBody(source: string, type: RunBody['type'], io: CliIo): Promise<RunBody> {
  const name = source === '-' ? 'stdin' : source;
  let text: string;
  try {
    text = source === '-' ? await io.readStdin() : await readFile(source, 'utf8');
  } catch (err) {
    throw new UsageError(`--body ${name}: cannot read it (${readProblem(err)})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--body ${name}: not JSON (${(err as Error).message})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UsageError(`--body ${name}: expected a JSON object, the POST body`);
  }
  const named = (body as { type?: unknown }).type;
  if (named !== undefined && named !== type) {
    throw new UsageError(`--type ${type}, but the body's type is ${JSON.stringify(named)}`);
  }
  return { ...(body as Omit<RunBody, 'type'>), type };
}

function readProblem(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'a directory';
    default:
      return typeof code === 'string' ? code : 'unreadable';
  }
}
