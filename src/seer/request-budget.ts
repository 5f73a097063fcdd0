// A worker process's budget of requests to Seer (SEER_MAX_REQUESTS_PER_SECOND divided among the
// worker processes): every request takes a token first. GCRA: tokens come due 1/rate apart, in
// order, and up to a small burst (BURST_SECONDS of the rate, at least one token) may go at once, so
// a timer that fires late under load hands out the tokens that came due meanwhile instead of
// slowing the rate down; and no 1 s window, its edges included, holds more than floor(rate).
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
 * The burst: what a busy event loop's late timer may hand out at once. At 500/s (the bench's
 * share) 25 tokens, so 64 runs starting together wait at most ~80 ms, not one timer tick each
 * (at ~10 ms a tick under load, the 64th waited past a first attempt's 200 ms and bounced to a
 * regular activity through matching); below 40/s one token, as a plain spacing.
 */
export const BURST_SECONDS = 0.05;
const WINDOW_MS = 1_000;

/**
 * Callers wait in one queue served by one timer; each wake hands out every token that has come
 * due, so the rate holds through a late timer, and the burst bounds what goes at once.
 */
export class RequestBudget implements RequestGate {
  readonly #clock: BudgetClock;
  #intervalMs: number;
  /** How far ahead of its due time a token may go: (burst - 1) intervals. */
  #toleranceMs: number;
  /** When the bucket is empty: the next token is due then (GCRA's theoretical arrival time). */
  #emptyAt = Number.NEGATIVE_INFINITY;
  /** The most tokens any 1 s may hold: floor(rate), at least one. */
  #perWindow: number;
  /** When the last `#perWindow` tokens went, oldest first. */
  readonly #recent: number[] = [];
  readonly #queue: Waiter[] = [];
  #serving = false;
  /** Ends the serve loop's sleep early: a new rate changes when the next token is due. */
  #wake: (() => void) | undefined;

  constructor(perSecond: number, clock: BudgetClock = realClock) {
    this.#clock = clock;
    this.#intervalMs = intervalFor(perSecond);
    this.#toleranceMs = toleranceFor(perSecond, this.#intervalMs);
    this.#perWindow = perWindowFor(perSecond);
  }

  get perSecond(): number {
    return 1_000 / this.#intervalMs;
  }

  /**
   * A new rate (the process's share changed): what the tokens already handed out still owe is
   * re-counted at the new rate (the next token comes one new interval after the last, and a spent
   * burst counts at the new rate too), every waiter whose token now comes after its bound is told
   * no at once, and the queue is served again by the new reckoning.
   */
  setRate(perSecond: number): void {
    const intervalMs = intervalFor(perSecond);
    const now = this.#clock.now();
    if (this.#emptyAt > now) {
      // Owed from `now`: (emptyAt - now) in old intervals, the same count in new ones.
      this.#emptyAt = now + ((this.#emptyAt - now) / this.#intervalMs) * intervalMs;
    }
    this.#intervalMs = intervalMs;
    this.#toleranceMs = toleranceFor(perSecond, intervalMs);
    this.#perWindow = perWindowFor(perSecond);
    for (let i = 0; i < this.#queue.length;) {
      const waiter = this.#queue[i]!;
      if (this.#dueAt(i, now) > waiter.deadline) {
        this.#queue.splice(i, 1);
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.resolve(false);
      } else {
        i++;
      }
    }
    this.#wake?.();
  }

  /**
   * When the k-th token from now (0: the next) may go: when GCRA says so, and more than a second
   * after the token `#perWindow` places before it, so no 1 s, its edges included, holds more than
   * floor(rate). A request reaches Seer a little after its token, later when the event loop is
   * busy; a token's whole interval of headroom keeps two arriving close together within cap + 10%.
   */
  #dueAt(k: number, now: number): number {
    const gcra = Math.max(
      now,
      Math.max(this.#emptyAt, now) + k * this.#intervalMs - this.#toleranceMs,
    );
    const before = this.#recent.length + k - this.#perWindow;
    const window =
      before >= 0 && before < this.#recent.length ? this.#recent[before]! + WINDOW_MS + 1 : now;
    return Math.max(gcra, window);
  }

  #grant(now: number): void {
    this.#emptyAt = Math.max(this.#emptyAt, now) + this.#intervalMs;
    this.#recent.push(now);
    while (this.#recent.length > this.#perWindow) this.#recent.shift();
  }

  /**
   * Resolves true once this caller's token is handed out, if by the queue's reckoning it comes
   * within `maxWaitMs`; resolves false at once, taking no place in the queue, if it would come
   * later. An abort while waiting leaves the queue (the callers behind move up) and rejects.
   */
  acquire(maxWaitMs: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const now = this.#clock.now();
    const at = this.#dueAt(this.#queue.length, now);
    if (at - now > maxWaitMs) return Promise.resolve(false);
    if (this.#queue.length === 0 && at <= now) {
      this.#grant(now);
      return Promise.resolve(true);
    }
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

  /** Hands out the queue's tokens as they come due, while anyone waits. */
  #serve(): void {
    if (this.#serving) return;
    this.#serving = true;
    void (async () => {
      while (this.#queue.length > 0) {
        const head = this.#queue[0]!;
        const now = this.#clock.now();
        const at = this.#dueAt(0, now);
        // The rate fell since it queued (setRate): a token after its bound would send a request
        // its attempt no longer waits for; it is told "none" and sends nothing.
        if (at > head.deadline) {
          this.#queue.shift();
          head.signal?.removeEventListener('abort', head.onAbort);
          head.resolve(false);
          continue;
        }
        if (at > now) {
          await Promise.race([
            this.#clock.sleep(at - now),
            new Promise<void>((resolve) => (this.#wake = resolve)),
          ]);
          this.#wake = undefined;
          continue;
        }
        this.#queue.shift();
        head.signal?.removeEventListener('abort', head.onAbort);
        this.#grant(now);
        head.resolve(true);
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

function toleranceFor(perSecond: number, intervalMs: number): number {
  return (Math.max(1, Math.floor(perSecond * BURST_SECONDS)) - 1) * intervalMs;
}

function perWindowFor(perSecond: number): number {
  return Math.max(1, Math.floor(perSecond));
}
