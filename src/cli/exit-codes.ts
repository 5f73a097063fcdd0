// The CLI's exit codes (README "CLI"): one table, so scripts can branch on how a command ended.
export const ExitCode = {
  /** The run is LIVE (start, watch), or the read succeeded (get, list, --help). */
  ok: 0,
  /** The run is FAILED (start, watch). */
  failed: 1,
  /** A missing or bad flag, an unreadable --body file, a body the API would refuse: nothing sent. */
  usage: 2,
  /** The run is still PENDING at the deadline (--wait-seconds): come back with its token or key. */
  pending: 3,
  /** The API answered an error (4xx, 5xx), or an answer the CLI could not read. */
  apiError: 4,
  /** The API could not be reached. */
  unreachable: 5,
  /** Interrupted (Ctrl-C): the run, if started, carries on. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
