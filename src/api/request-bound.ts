// One request's bound on everything it asks Temporal: a deadline counted from its arrival, and one
// signal that aborts there, or earlier when the HTTP client leaves. POST's sync wait and GET ?wait=.
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { RequestBound } from '../temporal/client/gateway';

export interface BoundedRequest {
  /** When the request arrived (ms since the epoch): its wait is counted from here. */
  arrivedAt: number;
  /** Fires when the HTTP client goes away: nothing waits for it any longer. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * Aborted with a TimeoutError `waitMs` after the arrival, or as the client's signal when it leaves.
 * A timer of our own, not AbortSignal.timeout(): Node 20 may collect a timeout signal that only
 * AbortSignal.any() holds, and then it never fires. `release()` once the request is answered.
 */
export function requestBound(
  request: BoundedRequest,
  waitMs: number,
): { bound: RequestBound; release(): void } {
  const deadline = request.arrivedAt + waitMs;
  const ended = new AbortController();
  const timer = setTimeout(
    () => ended.abort(new DOMException('the wait is over', 'TimeoutError')),
    Math.max(0, deadline - Date.now()),
  );
  const clientGone = () => ended.abort(request.signal.reason);
  request.signal.addEventListener('abort', clientGone, { once: true });
  if (request.signal.aborted) clientGone();
  return {
    bound: { deadline, signal: ended.signal, log: request.log },
    release() {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', clientGone);
    },
  };
}
