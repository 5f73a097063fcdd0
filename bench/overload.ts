// The overload level: the mirror path at a concurrency past what it serves at its best. Every
// answer must be 201/200 LIVE or 500 seer_run_pending with a retry_token, and every pending run
// is followed with that token until it is LIVE.
import { setTimeout as sleep } from 'node:timers/promises';
import { closedLoop, type LoadResult } from './load';
import { answerKind, MIRROR_ORG, type ApiAnswer, type ApiLoad } from './paths';

export interface OverloadCounts {
  concurrency: number;
  requested: number;
  /** First answers. */
  created_201: number;
  joined_200: number;
  pending_500: number;
  /** First answers that were none of the three, by `status error`. */
  unexpected: number;
  unexpected_kinds: Record<string, number>;
  /** Pending runs followed with their retry_token until LIVE. */
  followed_to_live: number;
  follow_up_requests: number;
  /** Answers to follow-ups other than 200/201 LIVE or 500 seer_run_pending. */
  follow_up_unexpected: number;
  /** Accepted runs (201, 200 or pending) that ended LIVE, and those that did not. */
  live: number;
  not_live: number;
}

const FOLLOW_DEADLINE_MS = 180_000;

function isLive(answer: ApiAnswer): boolean {
  return (answer.status === 201 || answer.status === 200) && answer.body.status === 'LIVE';
}

function pendingToken(answer: ApiAnswer): string | null {
  return answer.status === 500 &&
    answer.body.error === 'seer_run_pending' &&
    typeof answer.body.retry_token === 'string'
    ? answer.body.retry_token
    : null;
}

/** Follows a pending run with its retry_token (after Retry-After) until it answers LIVE. */
async function follow(
  api: ApiLoad,
  key: string,
  token: string,
  retryAfterS: number | null,
  counts: OverloadCounts,
): Promise<boolean> {
  const deadline = Date.now() + FOLLOW_DEADLINE_MS;
  let wait = retryAfterS ?? 1;
  while (Date.now() < deadline) {
    await sleep(Math.min(wait, 10) * 1000);
    counts.follow_up_requests += 1;
    const answer = await api.post(MIRROR_ORG, key, { retry_token: token });
    if (isLive(answer)) return true;
    if (pendingToken(answer) === null) counts.follow_up_unexpected += 1;
    wait = answer.retryAfterS ?? 1;
  }
  return false;
}

/**
 * Sends `runs` new runs at `concurrency`; the load result's latencies are the first answers'
 * (201, 200 and 500 pending alike), and its errors the unexpected first answers.
 */
export async function overload(
  api: ApiLoad,
  concurrency: number,
  runs: number,
  prefix: string,
  nextSeq: () => number,
): Promise<{ load: LoadResult; counts: OverloadCounts }> {
  const counts: OverloadCounts = {
    concurrency,
    requested: runs,
    created_201: 0,
    joined_200: 0,
    pending_500: 0,
    unexpected: 0,
    unexpected_kinds: {},
    followed_to_live: 0,
    follow_up_requests: 0,
    follow_up_unexpected: 0,
    live: 0,
    not_live: 0,
  };
  const followUps: Array<Promise<void>> = [];
  const load = await closedLoop(
    concurrency,
    runs,
    async (seq) => {
      const key = `${prefix}-${seq}`;
      const answer = await api.post(MIRROR_ORG, key);
      const token = pendingToken(answer);
      if (isLive(answer)) {
        if (answer.status === 201) counts.created_201 += 1;
        else counts.joined_200 += 1;
        counts.live += 1;
      } else if (token !== null) {
        counts.pending_500 += 1;
        // Followed outside the loop, so the next run starts at once as a real client's would.
        followUps.push(
          follow(api, key, token, answer.retryAfterS, counts).then((live) => {
            if (live) {
              counts.followed_to_live += 1;
              counts.live += 1;
            } else counts.not_live += 1;
          }),
        );
      } else {
        return { ok: false, error: answerKind(answer) };
      }
      return { ok: true };
    },
    nextSeq,
  );
  for (const [kind, n] of Object.entries(load.errorKinds)) {
    counts.unexpected += n;
    counts.unexpected_kinds[kind] = n;
  }
  await Promise.all(followUps);
  return { load, counts };
}
