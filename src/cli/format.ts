// How the CLI prints: one human line per run or outcome by default, one JSON value per line with
// --json. Errors are one line too (stderr), never a stack trace.
import {
  InvalidRequestError,
  SeerRunsApiError,
  SeerRunsUnreachableError,
  type RunView,
  type StartRunOutcome,
} from '../client';

/** `<run_uuid>  LIVE     run_id=7  explorer  attempts=1  started=…  closed=…` */
export function runLine(run: RunView): string {
  const failure =
    run.failure === null
      ? []
      : [
          `reason=${run.failure.reason}`,
          ...(typeof run.failure.seer_status === 'number'
            ? [`seer_status=${run.failure.seer_status}`]
            : []),
        ];
  return [
    run.run_uuid,
    run.status.padEnd(7),
    `run_id=${run.run_id ?? '-'}`,
    run.type,
    ...failure,
    `attempts=${run.attempts}`,
    `started=${run.started_at}`,
    `closed=${run.closed_at ?? '-'}`,
  ].join('  ');
}

/** startRun's outcome as one line; a PENDING one says how to come back to the run. */
export function outcomeLine(outcome: StartRunOutcome, org: number): string {
  switch (outcome.status) {
    case 'LIVE':
      return [
        outcome.run_uuid ?? '-',
        'LIVE   ',
        `run_id=${outcome.run_id}`,
        outcome.created ? 'created' : 'joined',
      ].join('  ');
    case 'FAILED':
      return [
        outcome.run_uuid ?? '-',
        'FAILED ',
        `reason=${outcome.reason}`,
        ...(outcome.seer_status === null ? [] : [`seer_status=${outcome.seer_status}`]),
        outcome.error,
      ].join('  ');
    case 'PENDING': {
      const key = outcome.idempotency_key;
      const next =
        outcome.retry_token !== null
          ? `follow it: seer-runs runs watch --org ${org} ${outcome.retry_token}`
          : `send it again: seer-runs runs start ... --idempotency-key ${key ?? '?'}`;
      return [
        outcome.retry_token ?? '-',
        'PENDING',
        `idempotency_key=${key ?? '-'}`,
        `not LIVE by the deadline; ${next}`,
      ].join('  ');
    }
  }
}

/** startRun's outcome for --json: everything but the trail of answers. */
export function outcomeJson(outcome: StartRunOutcome): string {
  return JSON.stringify(outcome, (key, value: unknown) => (key === 'answers' ? undefined : value));
}

/** An error as the one line the CLI prints, human or JSON. */
export function errorLine(err: unknown, json: boolean): string {
  if (err instanceof SeerRunsApiError) {
    if (json) return JSON.stringify({ status: err.status, ...err.body });
    const where = err instanceof InvalidRequestError && !err.sent ? ' (not sent)' : '';
    return `seer-runs: ${err.status} ${err.code}${where}: ${oneLine(err.detail)}`;
  }
  if (err instanceof SeerRunsUnreachableError) {
    const detail = err.idempotencyKey
      ? `${err.message}; send it again with --idempotency-key ${err.idempotencyKey}`
      : err.message;
    return json
      ? JSON.stringify({ error: 'unreachable', detail, url: err.url, reason: err.reason })
      : `seer-runs: ${detail}`;
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return json
    ? JSON.stringify({ error: 'cli_error', detail: oneLine(message) })
    : `seer-runs: ${oneLine(message)}`;
}

export function usageLine(message: string, json: boolean): string {
  const line = oneLine(message);
  return json ? JSON.stringify({ error: 'usage', detail: line }) : `seer-runs: ${line}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
