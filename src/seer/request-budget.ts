// A worker process's budget of requests to Seer (SEER_MAX_REQUESTS_PER_SECOND divided among the
// worker processes): every request takes a token first. Tokens go out at least 1/rate apart, in
// order (GCRA with a burst of one), so any 1 s window holds at most rate + 1 of this process's.

/** Time as the budget sees it; tests pass a fake one. */
export interface BudgetClock {
  now(): number;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
}

/** What an activity needs from the budget: a token within `maxWaitMs`, or false (nothing sent). */
export interface RequestGate {
  acquire(maxWaitMs: number, signal?: AbortSignal): Promise<boolean>;
}

const realClock: BudgetClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

interface Waiter {
  resolve: (granted: boolean) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  /** The latest its token may come (now + maxWaitMs when it queued). */
  deadline: number;
}

/**
 * Callers wait in one queue served by one timer: each token goes at least one interval after the
 * last one was actually handed out, so a late timer delays the tokens behind it instead of
 * bunching them (a 1 s window never holds more than the rate plus one).
 */
export class RequestBudget implements RequestGate {
  readonly #clock: BudgetClock;
  #intervalMs: number;
  #lastGrantAt = Number.NEGATIVE_INFINITY;
  readonly #queue: Waiter[] = [];
  #serving = false;

  constructor(perSecond: number, clock: BudgetClock = realClock) {
    this.#clock = clock;
    this.#intervalMs = intervalFor(perSecond);
  }

  get perSecond(): number {
    return 1_000 / this.#intervalMs;
  }

  /** A new rate (the process's share changed), from the next token on. */
  setRate(perSecond: number): void {
    this.#intervalMs = intervalFor(perSecond);
  }

  /**
   * Resolves true once this caller's token is handed out, if by the queue's reckoning it comes
   * within `maxWaitMs`; resolves false at once, taking no place in the queue, if it would come
   * later. An abort while waiting leaves the queue (the callers behind move up) and rejects.
   */
  acquire(maxWaitMs: number, signal?: AbortSignal): Promise<boolean> {
    const now = this.#clock.now();
    const nextFree = Math.max(now, this.#lastGrantAt + this.#intervalMs);
    const at = nextFree + this.#queue.length * this.#intervalMs;
    if (at - now > maxWaitMs) return Promise.resolve(false);
    if (this.#queue.length === 0 && nextFree <= now) {
      this.#lastGrantAt = now;
      return Promise.resolve(true);
    }
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        deadline: now + maxWaitMs,
        onAbort: () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          reject(signal?.reason as Error);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#serve();
    });
  }

  /** Hands out the queue's tokens one interval apart, while anyone waits. */
  #serve(): void {
    if (this.#serving) return;
    this.#serving = true;
    void (async () => {
      while (this.#queue.length > 0) {
        const head = this.#queue[0]!;
        // The rate fell since it queued (setRate): a token after its bound would send a request
        // its attempt no longer waits for; it is told "none" and sends nothing.
        if (this.#lastGrantAt + this.#intervalMs > head.deadline) {
          this.#queue.shift();
          head.signal?.removeEventListener('abort', head.onAbort);
          head.resolve(false);
          continue;
        }
        const wait = this.#lastGrantAt + this.#intervalMs - this.#clock.now();
        if (wait > 0) await this.#clock.sleep(wait);
        const waiter = this.#queue.shift();
        if (waiter === undefined) break;
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        this.#lastGrantAt = this.#clock.now();
        waiter.resolve(true);
      }
      this.#serving = false;
    })();
  }
}

function intervalFor(perSecond: number): number {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
    throw new RangeError(`a request budget needs a positive rate, got ${perSecond}`);
  }
  return 1_000 / perSecond;
}
