// A worker process's budget of requests to Seer (SEER_MAX_REQUESTS_PER_SECOND divided among the
// worker processes): every request takes a token first. Tokens are spaced evenly (GCRA, a burst of
// one), so any 1 s window holds at most about rate + 1 of this process's requests.

/** Time as the budget sees it; tests pass a fake one. */
export interface BudgetClock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** What an activity needs from the budget: a token within `maxWaitMs`, or false (nothing sent). */
export interface RequestGate {
  acquire(maxWaitMs: number, signal?: AbortSignal): Promise<boolean>;
}

const realClock: BudgetClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export class RequestBudget implements RequestGate {
  readonly #clock: BudgetClock;
  #intervalMs: number;
  /** When the next token is free (GCRA's theoretical arrival time); never before now. */
  #nextFreeAt = Number.NEGATIVE_INFINITY;

  constructor(perSecond: number, clock: BudgetClock = realClock) {
    this.#clock = clock;
    this.#intervalMs = intervalFor(perSecond);
  }

  get perSecond(): number {
    return 1_000 / this.#intervalMs;
  }

  /** A new rate (the process's share changed); tokens already promised keep their times. */
  setRate(perSecond: number): void {
    this.#intervalMs = intervalFor(perSecond);
  }

  /**
   * Reserves the next free token if it comes within `maxWaitMs`, waits for it and resolves true;
   * resolves false at once, reserving nothing, when it comes later. An abort while waiting gives
   * the token back when no later one was promised, and rejects with the signal's reason.
   */
  async acquire(maxWaitMs: number, signal?: AbortSignal): Promise<boolean> {
    const now = this.#clock.now();
    const at = Math.max(now, this.#nextFreeAt);
    if (at - now > maxWaitMs) return false;
    const promised = at + this.#intervalMs;
    this.#nextFreeAt = promised;
    if (at <= now) return true;
    try {
      await this.#clock.sleep(at - now, signal);
    } catch (err) {
      if (this.#nextFreeAt === promised) this.#nextFreeAt = at;
      throw err;
    }
    return true;
  }
}

function intervalFor(perSecond: number): number {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
    throw new RangeError(`a request budget needs a positive rate, got ${perSecond}`);
  }
  return 1_000 / perSecond;
}
