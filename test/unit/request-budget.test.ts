// The worker's Seer request budget (src/seer/request-budget.ts) on a fake clock: tokens evenly
// spaced, a small burst at high rates, a caller told "no" at once when its token would come too
// late, the rate changed live, and a cancelled wait that gives its token back.
import { BURST_SECONDS, RequestBudget, type BudgetClock } from '../../src/seer/request-budget';

/** Time moves only when the test says so; sleepers wake in order of their deadlines. */
class FakeClock implements BudgetClock {
  #now = 1_000_000;
  #sleepers: Array<{ until: number; wake: () => void }> = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#sleepers.push({ until: this.#now + ms, wake: resolve }));
  }

  /** Lets what is due now settle first, then moves time and wakes the sleepers due by then. */
  async advance(ms: number): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.until <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    for (const s of due) s.wake();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Starts `count` acquires at once and records, in fake time, when each one is granted. */
function acquireAll(budget: RequestBudget, clock: FakeClock, count: number, maxWaitMs: number) {
  const grantedAt: Array<number | false> = Array.from({ length: count }, () => false);
  const all = Array.from({ length: count }, (_, i) =>
    budget.acquire(maxWaitMs).then((granted) => {
      grantedAt[i] = granted ? clock.now() : false;
    }),
  );
  return { grantedAt, all: Promise.all(all) };
}

describe('RequestBudget', () => {
  it('grants the first token at once and spaces the next ones evenly (10/s: 100 ms apart)', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, clock);
    const { grantedAt, all } = acquireAll(budget, clock, 5, 10_000);
    for (let i = 0; i < 5; i++) await clock.advance(100);
    await all;
    const start = 1_000_000;
    expect(grantedAt).toEqual([start, start + 100, start + 200, start + 300, start + 400]);
  });

  it('holds any 1 s window to the rate plus one, however many callers arrive at once', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, clock);
    const { grantedAt, all } = acquireAll(budget, clock, 60, 60_000);
    for (let i = 0; i < 80; i++) await clock.advance(100);
    await all;
    const times = grantedAt.filter((t): t is number => t !== false);
    expect(times).toHaveLength(60);
    for (const t of times) {
      expect(times.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(10);
      expect(times.filter((u) => u >= t && u <= t + 1_000).length).toBeLessThanOrEqual(11);
    }
  });

  it('at a high rate lets a burst go at once and holds any 1 s window to the rate plus that burst', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(500, clock);
    const burst = 500 * BURST_SECONDS;
    expect(burst).toBe(25);
    const { grantedAt, all } = acquireAll(budget, clock, 1_000, 10_000);
    await clock.advance(0);
    // The burst at once, nothing more until the next token comes due.
    expect(grantedAt.filter((t) => t === 1_000_000)).toHaveLength(burst);
    for (let i = 0; i < 400; i++) await clock.advance(10);
    await all;
    const times = grantedAt.filter((t): t is number => t !== false);
    expect(times).toHaveLength(1_000);
    for (const t of times) {
      expect(times.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(500 + burst);
    }
    // The rate holds though every timer wakes up to 10 ms late: 975 tokens after the burst, 2 ms
    // apart, the last within a few ms of 1.95 s.
    expect(Math.max(...times) - 1_000_000).toBeLessThanOrEqual(1_960);
  });

  it('after a late timer hands out at once the tokens that came due meanwhile (500/s)', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(500, clock);
    const { grantedAt, all } = acquireAll(budget, clock, 40, 10_000);
    await clock.advance(0);
    expect(grantedAt.filter((t) => t !== false)).toHaveLength(25);
    // The next token was due at 2 ms; the timer fires at 20 ms: the 10 due by then go together.
    await clock.advance(20);
    expect(grantedAt.filter((t) => t === 1_000_020)).toHaveLength(10);
    for (let i = 0; i < 20; i++) await clock.advance(2);
    await all;
    expect(grantedAt.every((t) => t !== false)).toBe(true);
  });

  it('never puts more than floor(rate) tokens in one second, its edges included', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, clock);
    const { grantedAt, all } = acquireAll(budget, clock, 40, 60_000);
    // Timers exactly on time: at 100 ms apart, 0 and 1,000 would both fall in [0, 1000].
    for (let i = 0; i < 50; i++) await clock.advance(100);
    await all;
    const times = grantedAt.filter((t): t is number => t !== false);
    expect(times).toHaveLength(40);
    for (const t of times) {
      expect(times.filter((u) => u >= t && u <= t + 1_000).length).toBeLessThanOrEqual(10);
    }
  });

  it('says no at once, reserving nothing, when the next token is further away than the caller may wait', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(5, clock);
    const { grantedAt, all } = acquireAll(budget, clock, 3, 250);
    // Tokens at 0, 200 ms; the third would come at 400 ms: more than 250 ms away.
    expect(grantedAt[2]).toBe(false);
    await clock.advance(200);
    await all;
    expect(grantedAt).toEqual([1_000_000, 1_000_200, false]);
    // The refused caller reserved nothing: the next token is at 400 ms, 200 ms from now.
    const next = budget.acquire(200);
    await clock.advance(200);
    await expect(next).resolves.toBe(true);
  });

  it('after a quiet spell a token is free at once, with no burst saved up', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, clock);
    await clock.advance(60_000);
    await expect(budget.acquire(0)).resolves.toBe(true);
    await expect(budget.acquire(0)).resolves.toBe(false);
  });

  it('a new rate spaces the next tokens', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, clock);
    await expect(budget.acquire(0)).resolves.toBe(true);
    budget.setRate(2);
    expect(budget.perSecond).toBe(2);
    const { grantedAt, all } = acquireAll(budget, clock, 2, 10_000);
    for (let i = 0; i < 10; i++) await clock.advance(100);
    await clock.advance(1);
    await all;
    // At 2/s the second token is also the third in a second: it waits until the first (at 0) is
    // more than a second old.
    expect(grantedAt).toEqual([1_000_500, 1_001_001]);
  });

  it('a waiter whose token a lower rate would bring after its bound is told no, and sends nothing', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, clock);
    // 5 callers that may wait 500 ms: at 10/s the last one's token comes at 400 ms.
    const { grantedAt, all } = acquireAll(budget, clock, 5, 500);
    await clock.advance(0);
    // The share falls to 1/s (another worker appeared): a token a second, past their bounds.
    budget.setRate(1);
    for (let i = 0; i < 20; i++) await clock.advance(100);
    await all;
    // The first at once; the next token now comes a second after it, after every other caller's
    // 500 ms: each is told no when its turn is reckoned again, and none sends a request.
    expect(grantedAt).toEqual([1_000_000, false, false, false, false]);
  });

  it('a lower rate right after a burst counts the spent burst at the new rate: 1 s holds the new rate plus its burst', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(500, clock);
    const { grantedAt, all } = acquireAll(budget, clock, 300, 10_000);
    await clock.advance(0);
    expect(grantedAt.filter((t) => t !== false)).toHaveLength(25);
    budget.setRate(100);
    for (let i = 0; i < 400; i++) await clock.advance(10);
    await all;
    const times = grantedAt.filter((t): t is number => t !== false);
    for (const t of times) {
      expect(times.filter((u) => u >= t && u <= t + 1_000).length).toBeLessThanOrEqual(100 + 5);
    }
  });

  it('a lower rate tells at once every waiter whose token now comes after its bound, wherever it waits', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, clock);
    await expect(budget.acquire(0)).resolves.toBe(true);
    const patient = budget.acquire(10_000);
    const hasty = budget.acquire(300); // second in line: its token at 200 ms at 10/s
    let hastyAnswer: boolean | undefined;
    void hasty.then((granted) => (hastyAnswer = granted));
    await clock.advance(0);
    budget.setRate(2.5); // tokens 400 ms apart: the second in line's comes at 800 ms
    await clock.advance(0);
    expect(hastyAnswer).toBe(false);
    for (let i = 0; i < 5; i++) await clock.advance(100);
    await expect(patient).resolves.toBe(true);
  });

  it('a higher rate wakes the waiting queue: its tokens come by the new reckoning', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(1, clock);
    await expect(budget.acquire(0)).resolves.toBe(true);
    const { grantedAt, all } = acquireAll(budget, clock, 1, 2_000);
    await clock.advance(0);
    budget.setRate(10); // the next token, a second away at 1/s, is now 100 ms away
    for (let i = 0; i < 3; i++) await clock.advance(100);
    await all;
    expect(grantedAt).toEqual([1_000_100]);
  });

  it('a caller whose wait is already cancelled takes no token', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(1, clock);
    const cancel = new AbortController();
    cancel.abort(new Error('gone'));
    await expect(budget.acquire(1_000, cancel.signal)).rejects.toThrow('gone');
    await expect(budget.acquire(0)).resolves.toBe(true);
  });

  it('a late timer delays the tokens behind it rather than bunching them', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(10, clock);
    const { grantedAt, all } = acquireAll(budget, clock, 3, 10_000);
    await clock.advance(250); // the timer for the 100 ms token fires 150 ms late
    for (let i = 0; i < 3; i++) await clock.advance(100);
    await all;
    expect(grantedAt).toEqual([1_000_000, 1_000_250, 1_000_350]);
  });

  it('a cancelled wait rejects and leaves the queue: the next caller gets its token', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(1, clock);
    await expect(budget.acquire(0)).resolves.toBe(true);
    const cancel = new AbortController();
    const waiting = budget.acquire(5_000, cancel.signal);
    cancel.abort(new Error('aborted'));
    await expect(waiting).rejects.toThrow('aborted');
    // The token just over a second after the first is free again: a caller that may wait for it
    // gets it.
    const next = budget.acquire(1_001);
    await clock.advance(1_001);
    await expect(next).resolves.toBe(true);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a rate of %p', (rate) => {
    expect(() => new RequestBudget(rate)).toThrow(RangeError);
  });
});
