// Per-organization admission of the POSTs that start runs (SEER_RUNS_FAIRNESS): Temporal's fairness
// shares only tasks that go through matching, and eager starts and local activities skip it.

/** ms since the epoch. */
export type AdmissionClock = () => number;

export interface AdmissionOptions {
  /** SEER_RUNS_FAIR_IN_FLIGHT: the in-flight POSTs shared by weight among the active organizations. */
  budget: number;
  /** The organization's weight (SEER_RUNS_ORG_WEIGHTS; 1 when not listed). */
  weightOf: (organizationId: number) => number;
  /** ms since the epoch; Date.now in production, a test's own clock in tests. */
  now?: AdmissionClock;
  /** How long an organization stays active after its last admission (10 s). */
  activeForMs?: number;
}

/** How a queued POST's wait ended. */
export type Waited =
  /** Its turn came: `at` goes to release() when the POST's answer is decided. */
  | { kind: 'admitted'; at: number }
  /** Its signal aborted first (the sync wait ended, or the client left): nothing may start. */
  | { kind: 'not_admitted'; retryAfterS: number };

/** An organization stays active this long after its last admission (the design's 10 s). */
export const ACTIVE_FOR_MS = 10_000;
/** Bounds of a queued POST's Retry-After: at least a second, never more than a minute. */
export const QUEUED_RETRY_AFTER_MIN_S = 1;
export const QUEUED_RETRY_AFTER_MAX_S = 60;
/** How long a POST holds its place before one has been released (then: what releases measure). */
const FIRST_HOLD_ESTIMATE_MS = 1_000;
/** The weight of the newest hold in the moving average. */
const HOLD_SMOOTHING = 0.2;

interface Waiter {
  enqueuedAt: number;
  settle(waited: Waited): void;
}

/** One organization's place in the admission: what it holds now and who waits behind it. */
class OrgLine {
  inFlight = 0;
  lastAdmittedAt = -Infinity;
  /** The latest time a POST not admitted was told to come back (spaced by the line's pace). */
  promisedUntil = -Infinity;
  readonly queue: Waiter[] = [];
  constructor(readonly weight: number) {}
}

/**
 * Per API process. An organization is active while it has POSTs in flight or queued, or had one
 * admitted within `activeForMs`. Alone, it is not limited; with others active, it may have
 * max(1, floor(budget * weight / active weights)) in flight and the rest wait in its own FIFO queue;
 * each release admits first the organization furthest below its share (in flight / weight).
 */
export class Admission {
  readonly #budget: number;
  readonly #weightOf: (organizationId: number) => number;
  readonly #now: AdmissionClock;
  readonly #activeForMs: number;
  readonly #lines = new Map<number, OrgLine>();
  #queued = 0;
  #holdMs = FIRST_HOLD_ESTIMATE_MS;

  constructor(options: AdmissionOptions) {
    this.#budget = options.budget;
    this.#weightOf = options.weightOf;
    this.#now = options.now ?? Date.now;
    this.#activeForMs = options.activeForMs ?? ACTIVE_FOR_MS;
  }

  /** POSTs waiting in any organization's queue now. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Admits the POST at once when its organization may go now (the admission time, for release()),
   * else null and the POST calls wait(). Allocates nothing for an organization already known.
   */
  enter(organizationId: number): number | null {
    const now = this.#now();
    const line = this.#lineOf(organizationId);
    if (line.queue.length > 0) return null;
    // Alone (the common case): no look at the others at all.
    if (this.#lines.size > 1 && line.inFlight >= this.#shareOf(line, now)) return null;
    return this.#admit(line, now);
  }

  /**
   * Waits in the organization's queue (behind whoever waits there) until admitted, or until
   * `signal` aborts: then the POST leaves the queue and is told how long its queue may take. When
   * the queue ahead is expected to take longer than `maxWaitMs`, it is told so at once.
   */
  wait(organizationId: number, signal: AbortSignal, maxWaitMs = Infinity): Promise<Waited> {
    const line = this.#lineOf(organizationId);
    if (signal.aborted) return Promise.resolve(this.#notAdmitted(line));
    // A turn that would come after the POST's bound is refused at once, not at the bound: a burst
    // queued together would otherwise be answered together, a second burst on the API.
    if (this.#expectedWaitMs(line) > maxWaitMs) return Promise.resolve(this.#notAdmitted(line));
    return new Promise<Waited>((resolve) => {
      const waiter: Waiter = {
        enqueuedAt: this.#now(),
        settle: (waited) => {
          signal.removeEventListener('abort', leave);
          resolve(waited);
        },
      };
      const leave = () => {
        const at = line.queue.indexOf(waiter);
        if (at < 0) return;
        line.queue.splice(at, 1);
        this.#queued -= 1;
        waiter.settle(this.#notAdmitted(line));
        // The line may have gone quiet, and the others' shares grown.
        this.#dispatch();
      };
      signal.addEventListener('abort', leave, { once: true });
      line.queue.push(waiter);
      this.#queued += 1;
      // Shares may have grown since this organization's last release (another went quiet).
      this.#dispatch();
    });
  }

  /**
   * wait()'s answer when it would be given at once because the queue ahead is expected to take
   * longer than `maxWaitMs`; null when the POST would join the queue. Nothing is allocated for a
   * POST sent away (in a burst, most of an organization's POSTs).
   */
  sendsAway(organizationId: number, maxWaitMs: number): Waited | null {
    const line = this.#lineOf(organizationId);
    return this.#expectedWaitMs(line) > maxWaitMs ? this.#notAdmitted(line) : null;
  }

  /** The POST admitted at `admittedAt` has its answer: its place goes to whoever is owed most. */
  release(organizationId: number, admittedAt: number): void {
    const line = this.#lines.get(organizationId);
    if (line === undefined || line.inFlight === 0) return;
    line.inFlight -= 1;
    const held = Math.max(0, this.#now() - admittedAt);
    this.#holdMs += HOLD_SMOOTHING * (held - this.#holdMs);
    if (this.#queued > 0) this.#dispatch();
  }

  #lineOf(organizationId: number): OrgLine {
    let line = this.#lines.get(organizationId);
    if (line === undefined) {
      line = new OrgLine(this.#weightOf(organizationId));
      this.#lines.set(organizationId, line);
    }
    return line;
  }

  #admit(line: OrgLine, now: number): number {
    line.inFlight += 1;
    line.lastAdmittedAt = now;
    return now;
  }

  #isActive(line: OrgLine, now: number): boolean {
    return (
      line.inFlight > 0 || line.queue.length > 0 || now - line.lastAdmittedAt < this.#activeForMs
    );
  }

  /**
   * The active organizations' total weight, `asking` counted as active (it has a POST at hand);
   * forgets the organizations no longer active.
   */
  #activeWeight(now: number, asking?: OrgLine): number {
    let total = 0;
    for (const [organizationId, line] of this.#lines) {
      if (line === asking || this.#isActive(line, now)) total += line.weight;
      else this.#lines.delete(organizationId);
    }
    return total;
  }

  /** How many POSTs the organization may have in flight now: unlimited while it is alone. */
  #shareOf(line: OrgLine, now: number): number {
    const totalWeight = this.#activeWeight(now, line);
    return this.#lines.size <= 1 ? Infinity : this.#share(line, totalWeight);
  }

  #share(line: OrgLine, totalWeight: number): number {
    return Math.max(1, Math.floor((this.#budget * line.weight) / totalWeight));
  }

  /** Admits queued POSTs while some organization with a queue is below its share. */
  #dispatch(): void {
    for (;;) {
      const now = this.#now();
      const totalWeight = this.#activeWeight(now);
      const alone = this.#lines.size <= 1;
      let next: OrgLine | undefined;
      for (const line of this.#lines.values()) {
        const head = line.queue[0];
        if (head === undefined) continue;
        if (!alone && line.inFlight >= this.#share(line, totalWeight)) continue;
        if (next === undefined || owedMore(line, next)) next = line;
      }
      const waiter = next?.queue.shift();
      if (next === undefined || waiter === undefined) return;
      this.#queued -= 1;
      waiter.settle({ kind: 'admitted', at: this.#admit(next, now) });
    }
  }

  /** How long until a POST joining the organization's queue now would get its turn. */
  #expectedWaitMs(line: OrgLine): number {
    const share = Math.max(1, Math.min(this.#budget, this.#shareOf(line, this.#now())));
    return ((line.queue.length + 1) / share) * this.#holdMs;
  }

  /**
   * The POSTs not admitted are told to come back one after another at the pace the organization's
   * turns come (a held POST's time / its share), after the queue ahead: told alike, a burst sent
   * away together would come back together, every second.
   */
  #notAdmitted(line: OrgLine): Waited {
    const now = this.#now();
    const share = Math.max(1, Math.min(this.#budget, this.#shareOf(line, now)));
    const back = Math.max(
      now + this.#expectedWaitMs(line),
      line.promisedUntil + this.#holdMs / share,
    );
    line.promisedUntil = Math.min(back, now + QUEUED_RETRY_AFTER_MAX_S * 1000);
    const seconds = Math.ceil((back - now) / 1000);
    return {
      kind: 'not_admitted',
      retryAfterS: Math.min(QUEUED_RETRY_AFTER_MAX_S, Math.max(QUEUED_RETRY_AFTER_MIN_S, seconds)),
    };
  }
}

/** Lower in flight per weight goes first; equal, the one whose head has waited longer. */
function owedMore(line: OrgLine, than: OrgLine): boolean {
  const mine = line.inFlight / line.weight;
  const theirs = than.inFlight / than.weight;
  if (mine !== theirs) return mine < theirs;
  return (line.queue[0]?.enqueuedAt ?? Infinity) < (than.queue[0]?.enqueuedAt ?? Infinity);
}
