// How a well-behaved product client uses the API during an incident: it sends each run with an
// Idempotency-Key, retries 503s with the same key, follows 500s with their retry_token, and moves to
// another API replica (same key, same token) when the one it talks to cannot be reached.
import { request } from 'undici';
import { DRILL_TOKEN } from './stack';

export interface Answer {
  /** The API replica that answered (or could not be reached). */
  api: string;
  status: number;
  body: Record<string, unknown>;
  /** The answer's Retry-After in seconds, when it had one. */
  retryAfterS?: number;
  ms: number;
}

export interface RunRequest {
  org: number;
  key: string;
  body: Record<string, unknown>;
}

export async function post(
  apiUrl: string,
  run: RunRequest,
  extra: { retryToken?: string } = {},
): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await request(`${apiUrl}/v1/organizations/${run.org}/seer-runs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${DRILL_TOKEN}`,
        'content-type': 'application/json',
        'idempotency-key': run.key,
      },
      body: JSON.stringify(
        extra.retryToken ? { ...run.body, retry_token: extra.retryToken } : run.body,
      ),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const text = await response.body.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { raw: text };
    }
    const retryAfterS = Number(response.headers['retry-after']);
    return {
      api: apiUrl,
      status: response.statusCode,
      body,
      ...(Number.isFinite(retryAfterS) ? { retryAfterS } : {}),
      ms: performance.now() - started,
    };
  } catch (err) {
    // The API itself unreachable (restarting, killed): status 0, retried like a 503.
    return {
      api: apiUrl,
      status: 0,
      body: { error: (err as Error).message, code: (err as { code?: string }).code },
      ms: performance.now() - started,
    };
  }
}

export interface RunOutcome {
  key: string;
  /** Every answer, in order. */
  answers: Answer[];
  /** The final answer: 200/201 LIVE, 502 FAILED, or the last non-final one when time ran out. */
  final: Answer;
  /** run_id from each LIVE answer (all must agree). */
  runIds: number[];
}

const FINAL = new Set([200, 201, 502]);

/** The replicas in the order a client tries them, starting at the `index`-th (spreads load). */
export function replicasFrom(apis: readonly string[], index: number): string[] {
  const start = index % apis.length;
  return [...apis.slice(start), ...apis.slice(0, start)];
}

/**
 * Sends a run and follows it until it is LIVE or FAILED, or `deadlineMs` passes: 503 → the same
 * request again; an unreachable API → the same request again at the next replica of `apis`
 * (the first one when there is only one); 500 seer_run_pending → again with its retry_token,
 * at whichever replica; 404 for that token → the start never reached Temporal, so the same
 * request again without it (the Idempotency-Key still names the same run).
 */
export async function driveRun(
  apis: string | readonly string[],
  run: RunRequest,
  deadlineMs: number,
): Promise<RunOutcome> {
  const replicas = typeof apis === 'string' ? [apis] : apis;
  let replica = 0;
  const answers: Answer[] = [];
  let retryToken: string | undefined;
  for (;;) {
    const answer = await post(replicas[replica]!, run, retryToken ? { retryToken } : {});
    answers.push(answer);
    if (answer.status === 0) replica = (replica + 1) % replicas.length;
    // The first move to another replica is at once; after that, every replica gets a moment.
    const movesOn = answer.status === 0 && replicas.length > 1 && answers.at(-2)?.status !== 0;
    if (answer.status === 500 && typeof answer.body.retry_token === 'string')
      retryToken = answer.body.retry_token;
    if (FINAL.has(answer.status) || Date.now() > deadlineMs) break;
    if (answer.status === 404 && retryToken !== undefined) {
      retryToken = undefined;
      continue;
    }
    if (answer.status >= 400 && answer.status < 500) break;
    if (!movesOn) await new Promise((r) => setTimeout(r, pauseAfter(answer)));
  }
  const runIds = answers
    .filter((a) => a.status === 200 || a.status === 201)
    .map((a) => a.body.run_id as number);
  return { key: run.key, answers, final: answers[answers.length - 1]!, runIds };
}

/**
 * How long a client waits before it sends again: a 500's Retry-After as the README asks (a queued
 * POST's says when its organization's turn may come; a pending run's is 1 s), at least 200 ms;
 * 500 ms after a 503 or an unreachable API.
 */
function pauseAfter(answer: Answer): number {
  if (answer.status !== 500) return 500;
  return Math.max(200, Math.min(60, answer.retryAfterS ?? 0) * 1_000);
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}
