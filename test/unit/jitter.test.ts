// The retry delays' jitter (src/domain/jitter.ts, retry-delay.ts): deterministic per run and
// request, spread over [0, 1), a Retry-After kept as a minimum, nothing above 60 s, the 1 s floor.
import { JITTER_FRACTION, jitterUnit } from '../../src/domain/jitter';
import { backoffMs, retryDelayMs } from '../../src/domain/retry-delay';

const RUN = '3b241101-e2bb-4255-8caf-4136c566a962';
/** Runs made as the API makes them: lower-case v4-shaped UUIDs that differ in a few characters. */
const runs = Array.from(
  { length: 1_000 },
  (_, i) => `3b241101-e2bb-4255-8caf-${i.toString(16).padStart(12, '0')}`,
);

describe('jitterUnit', () => {
  it('is the same for the same run and request number, on every call (workflow replays agree)', () => {
    expect(jitterUnit(RUN, 3)).toBe(jitterUnit(RUN, 3));
    expect(jitterUnit(RUN.toUpperCase(), 3)).toBe(jitterUnit(RUN, 3));
  });

  it('differs between requests of a run and between runs', () => {
    expect(jitterUnit(RUN, 1)).not.toBe(jitterUnit(RUN, 2));
    expect(new Set(runs.map((run) => jitterUnit(run, 1))).size).toBe(runs.length);
  });

  it('lies in [0, 1) and spreads runs that failed together over the whole range', () => {
    const values = runs.map((run) => jitterUnit(run, 1));
    for (const u of values) {
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
    // Ten buckets of a hundred expected each: none empty, none more than doubled.
    const buckets = Array.from({ length: 10 }, () => 0);
    for (const u of values) buckets[Math.floor(u * 10)]!++;
    for (const count of buckets) {
      expect(count).toBeGreaterThan(50);
      expect(count).toBeLessThan(200);
    }
  });
});

describe('retryDelayMs with jitter', () => {
  it("shortens the policy's backoff by at most a fifth, never above it or the 60 s cap", () => {
    for (const run of runs.slice(0, 200)) {
      for (const n of [1, 2, 3, 6, 7, 20]) {
        const delay = retryDelayMs(run, n, undefined);
        expect(delay).toBeLessThanOrEqual(backoffMs(n));
        expect(delay).toBeGreaterThanOrEqual(backoffMs(n) * (1 - JITTER_FRACTION));
        expect(delay).toBeLessThanOrEqual(60_000);
      }
    }
  });

  it('keeps a Retry-After as a minimum: up to a fifth longer, never above 60 s', () => {
    for (const run of runs.slice(0, 200)) {
      for (const retryAfter of [1_000, 5_000, 30_000, 55_000, 60_000]) {
        const delay = retryDelayMs(run, 2, retryAfter);
        expect(delay).toBeGreaterThanOrEqual(retryAfter);
        expect(delay).toBeLessThanOrEqual(Math.min(60_000, retryAfter * (1 + JITTER_FRACTION)));
      }
    }
  });

  it('keeps the 1 s floor of a Retry-After of 0 or in the past, and the 60 s cap of a longer one', () => {
    for (const run of runs.slice(0, 200)) {
      expect(retryDelayMs(run, 1, 0)).toBeGreaterThanOrEqual(1_000);
      expect(retryDelayMs(run, 1, -5_000)).toBeGreaterThanOrEqual(1_000);
      expect(retryDelayMs(run, 1, 3_600_000)).toBe(60_000);
    }
  });

  it('spreads runs that failed together: 1,000 runs after a first 503 do not retry in the same 50 ms', () => {
    const delays = runs.map((run) => retryDelayMs(run, 1, undefined));
    const per50ms = new Map<number, number>();
    for (const d of delays)
      per50ms.set(Math.floor(d / 50), (per50ms.get(Math.floor(d / 50)) ?? 0) + 1);
    expect(per50ms.size).toBeGreaterThanOrEqual(4);
    expect(Math.max(...per50ms.values())).toBeLessThan(400);
  });
});
