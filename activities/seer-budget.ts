// How long an activity may wait for a token from the worker's Seer request budget
// (src/seer/request-budget.ts) before it gives up having sent nothing.
import type { Info } from '@temporalio/activity';
import type { RequestGate } from '../src/seer/request-budget';

/** The worker's budget and the Seer client's request timeout (what a token's wait must leave). */
export interface SeerBudget {
  gate: RequestGate;
  requestTimeoutMs: number;
}

/**
 * A local first attempt holds its run's workflow task slot while it waits: a brief wait, then the
 * regular activity (through matching and its rate limit) takes over.
 */
export const LOCAL_TOKEN_WAIT_MS = 200;

/** What the request must keep of the attempt's start-to-close besides its own timeout. */
const REQUEST_MARGIN_MS = 1_000;

/**
 * A local attempt waits LOCAL_TOKEN_WAIT_MS; a regular activity waits what its start-to-close
 * leaves once the request has its whole timeout and a margin, so a token never cuts a request short.
 */
export function tokenWaitMs(
  info: Pick<Info, 'isLocal' | 'startToCloseTimeoutMs'>,
  requestTimeoutMs: number,
): number {
  if (info.isLocal) return LOCAL_TOKEN_WAIT_MS;
  return Math.max(0, info.startToCloseTimeoutMs - requestTimeoutMs - REQUEST_MARGIN_MS);
}
