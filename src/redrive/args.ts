// The re-drive CLI's flags, parsed and checked once: a bad flag is one line naming it (exit 2).
import { parseArgs } from 'node:util';
import { validate as isUuid } from 'uuid';

/** Closes by Temporal (not by the run) that `--include` may add to retries_exhausted. */
export const ExtraClose = { terminated: 'terminated', timed_out: 'timed_out' } as const;
export type ExtraClose = (typeof ExtraClose)[keyof typeof ExtraClose];

export interface RedriveArgs {
  /** A visibility query; ANDed with the workflow type and the re-drivable closes. */
  query: string | null;
  /** Run UUIDs named one by one (each refused with its reason when it is not re-drivable). */
  runs: string[];
  dryRun: boolean;
  reason: string;
  /** Re-drives started per second, at most. */
  ratePerSecond: number;
  include: ExtraClose[];
}

export const DEFAULT_RATE_PER_SECOND = 10;
const MAX_RATE_PER_SECOND = 1_000;

export const USAGE =
  'usage: npm run redrive -- --query \'<visibility query>\' | --run <uuid> ... [--dry-run] [--reason "..."] [--rate N/s] [--include terminated,timed_out]';

export type ParsedArgs = { kind: 'args'; args: RedriveArgs } | { kind: 'error'; message: string };

export function parseRedriveArgs(argv: string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        query: { type: 'string' },
        run: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        reason: { type: 'string' },
        rate: { type: 'string' },
        include: { type: 'string', multiple: true },
      },
    }));
  } catch (err) {
    // node:util's messages name the flag ("Unknown option '--x'", "Option '--rate <value>' argument missing").
    return { kind: 'error', message: (err as Error).message.split('\n')[0] ?? 'invalid flags' };
  }
  const query = values.query ?? null;
  const runs = values.run ?? [];
  if (query !== null && query.trim() === '') return error('--query is empty');
  if (query === null && runs.length === 0) return error('give --query or --run');
  const badRun = runs.find((run) => !isUuid(run));
  if (badRun !== undefined) return error(`--run ${quote(badRun)} is not a run UUID`);
  const rate = parseRate(values.rate);
  if (typeof rate === 'string') return error(rate);
  const include: ExtraClose[] = [];
  for (const item of (values.include ?? []).flatMap((v) => v.split(','))) {
    const name = item.trim();
    if (name !== ExtraClose.terminated && name !== ExtraClose.timed_out) {
      return error(`--include ${quote(name)}: expected terminated or timed_out`);
    }
    if (!include.includes(name)) include.push(name);
  }
  const reason = values.reason ?? 'Seer recovered; re-driving runs that ran out of heal window';
  if (reason.trim() === '') return error('--reason is empty');
  return {
    kind: 'args',
    args: { query, runs, dryRun: values['dry-run'] ?? false, reason, ratePerSecond: rate, include },
  };
}

/** `5/s` or `5` (re-drives per second); a fraction slows below one a second (`0.5/s`). */
function parseRate(raw: string | undefined): number | string {
  if (raw === undefined) return DEFAULT_RATE_PER_SECOND;
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(raw.trim());
  const rate = match ? Number(match[1]) : NaN;
  if (!(rate > 0 && rate <= MAX_RATE_PER_SECOND)) {
    return `--rate ${quote(raw)}: expected re-drives per second, like 5/s (more than 0, at most ${MAX_RATE_PER_SECOND})`;
  }
  return rate;
}

function error(message: string): ParsedArgs {
  return { kind: 'error', message };
}

function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}
