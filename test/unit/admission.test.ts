import { Admission, type Waited } from '../../src/api/admission';

const A = 1;
const B = 2;
const C = 3;

/** An admission on a clock the test moves, with a record of who was admitted, in order. */
function setup(budget: number, weights: Record<number, number> = {}) {
  const clock = { now: 1_000_000 };
  const admission = new Admission({
    budget,
    weightOf: (org) => weights[org] ?? 1,
    now: () => clock.now,
  });
  const admitted: string[] = [];
  /** A POST that must be admitted at once; returns its admission time. */
  const enterNow = (org: number): number => {
    const at = admission.enter(org);
    if (at === null) throw new Error(`organization ${org} was not admitted at once`);
    return at;
  };
  /** A POST that queues (enter() refused it); `name` is recorded when it is admitted. */
  const queue = (org: number, name: string, signal = new AbortController().signal) => {
    expect(admission.enter(org)).toBeNull();
    const waited = admission.wait(org, signal);
    void waited.then((w) => {
      if (w.kind === 'admitted') admitted.push(name);
    });
    return waited;
  };
  /** `count` POSTs of `org`, one after another, each holding its turn `ms` (what releases measure). */
  const holdEach = (org: number, count: number, ms: number) => {
    for (let i = 0; i < count; i++) {
      const at = enterNow(org);
      clock.now += ms;
      admission.release(org, at);
    }
  };
  return { clock, admission, admitted, enterNow, queue, holdEach };
}

/** Lets the promises settled so far run their callbacks. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('per-organization admission of run starts', () => {
  it('does not limit an organization while it is the only one active', () => {
    const { admission } = setup(2);
    const times = Array.from({ length: 1_000 }, () => admission.enter(A));
    expect(times.every((t) => t !== null)).toBe(true);
    expect(admission.queued).toBe(0);
  });

  it('shares the budget by weight among the active organizations, at least one each', () => {
    const { admission, enterNow } = setup(8, { [A]: 3, [B]: 1 });
    enterNow(B);
    // A: floor(8 * 3/4) = 6 in flight; B: floor(8 * 1/4) = 2.
    const a = Array.from({ length: 7 }, () => admission.enter(A));
    expect(a.filter((t) => t !== null)).toHaveLength(6);
    expect(admission.enter(B)).not.toBeNull();
    expect(admission.enter(B)).toBeNull();

    const tiny = setup(2, { [A]: 1, [B]: 100 });
    tiny.enterNow(B);
    expect(tiny.admission.enter(A)).not.toBeNull();
  });

  it("admits an organization's queued POSTs in the order they came, one per release", async () => {
    const { admission, admitted, enterNow, queue } = setup(2);
    enterNow(B);
    const held = enterNow(A);
    const first = queue(A, 'a1');
    void queue(A, 'a2');
    void queue(A, 'a3');
    expect(admission.queued).toBe(3);

    admission.release(A, held);
    expect(await first).toEqual({ kind: 'admitted', at: expect.any(Number) });
    await settled();
    expect(admitted).toEqual(['a1']);
    expect(admission.queued).toBe(2);
    const after = await first;
    admission.release(A, (after as Extract<Waited, { kind: 'admitted' }>).at);
    await settled();
    expect(admitted).toEqual(['a1', 'a2']);
  });

  it('admits first the organization furthest below its share (in flight / weight), not the one with fewest in flight', async () => {
    const { admission, admitted, clock, enterNow, queue } = setup(12, { [A]: 1, [B]: 3, [C]: 6 });
    enterNow(A);
    enterNow(A);
    // C is active for 10 s from here: shares A 1, B 3, C 7.
    admission.release(C, enterNow(C));
    enterNow(B);
    enterNow(B);
    enterNow(B);
    void queue(B, 'b1');
    void queue(A, 'a1');
    void queue(A, 'a2');
    void queue(B, 'b2');
    await settled();
    expect(admitted).toEqual([]);

    // C is no longer active: shares A 3, B 9. A holds 2 (2 per weight), B 3 (1 per weight): B's
    // queue goes first, then A's up to its share; A's new POST waits behind A's queue.
    clock.now += 10_000;
    void queue(A, 'a3');
    await settled();
    expect(admitted).toEqual(['b1', 'b2', 'a1']);
    expect(admission.queued).toBe(2);
  });

  it('counts an organization as active for 10 s after its last admission', () => {
    const { admission, clock, enterNow } = setup(2);
    admission.release(A, enterNow(A));
    clock.now += 9_999;
    enterNow(B);
    // A is still active: B may have floor(2/2) = 1 in flight.
    expect(admission.enter(B)).toBeNull();
    clock.now += 1;
    // A is not: B is alone again.
    expect(admission.enter(B)).not.toBeNull();
    expect(admission.enter(B)).not.toBeNull();
  });

  it('a queued POST whose client leaves frees its place: the next one takes the release', async () => {
    const { admission, admitted, enterNow, queue } = setup(2);
    enterNow(B);
    const held = enterNow(A);
    const leaving = new AbortController();
    const gone = queue(A, 'a1', leaving.signal);
    void queue(A, 'a2');

    leaving.abort(new Error('client gone'));
    expect(await gone).toEqual({ kind: 'not_admitted', retryAfterS: expect.any(Number) });
    expect(admission.queued).toBe(1);
    admission.release(A, held);
    await settled();
    expect(admitted).toEqual(['a2']);
  });

  it('a queued POST still waiting at its bound is not admitted, and nothing is held for it', async () => {
    const { admission, admitted, enterNow, queue } = setup(2);
    const b = enterNow(B);
    const held = enterNow(A);
    const bound = new AbortController();
    const expired = queue(A, 'a1', bound.signal);

    bound.abort(new DOMException('the sync wait is over', 'TimeoutError'));
    expect(await expired).toEqual({ kind: 'not_admitted', retryAfterS: 1 });
    admission.release(A, held);
    admission.release(B, b);
    await settled();
    expect(admitted).toEqual([]);
    expect(admission.queued).toBe(0);
    // Its place was not kept: A's next POST goes at once (B is active, A's share is 1, 0 held).
    expect(admission.enter(A)).not.toBeNull();
  });

  it('a POST whose bound has already passed is not queued at all', async () => {
    const { admission, enterNow } = setup(2);
    enterNow(B);
    enterNow(A);
    const bound = new AbortController();
    bound.abort(new DOMException('the sync wait is over', 'TimeoutError'));
    expect(admission.enter(A)).toBeNull();
    expect(await admission.wait(A, bound.signal)).toMatchObject({ kind: 'not_admitted' });
    expect(admission.queued).toBe(0);
  });

  it('tells a POST that was not admitted how long its queue may take: between 1 and 60 s', async () => {
    const { clock, enterNow, queue, holdEach } = setup(2);
    enterNow(B);
    // POSTs of A held 4 s each, one at a time: the queue moves one POST per 4 s.
    holdEach(A, 20, 4_000);
    enterNow(A);
    const bounds = Array.from({ length: 30 }, () => new AbortController());
    const waits = bounds.map((bound, i) => queue(A, `a${i}`, bound.signal));

    // The first leaves with 29 ahead of the next in line: capped at 60 s.
    bounds[0]!.abort();
    expect(await waits[0]).toEqual({ kind: 'not_admitted', retryAfterS: 60 });
    // One still queued behind it: (1 + 1) POSTs of about 4 s each, but those told before it come
    // first, 4 s apart: capped at 60 s too.
    for (const bound of bounds.slice(1, 29)) bound.abort();
    expect(await waits[28]).toEqual({ kind: 'not_admitted', retryAfterS: 60 });
    // Once those promises are past, the queue's own wait again: (1 + 1) POSTs of 4 s.
    clock.now += 120_000;
    const late = new AbortController();
    const lateWait = queue(A, 'late', late.signal);
    late.abort();
    expect(await lateWait).toEqual({ kind: 'not_admitted', retryAfterS: 8 });

    // Nothing measured yet and nobody ahead: the floor of 1 s.
    const fresh = setup(2);
    fresh.enterNow(B);
    fresh.enterNow(A);
    const bound = new AbortController();
    const lone = fresh.queue(A, 'x', bound.signal);
    bound.abort();
    expect(await lone).toEqual({ kind: 'not_admitted', retryAfterS: 1 });
  });

  it('refuses at once a POST whose turn is expected after its bound, and queues the ones in time', async () => {
    const { admission, enterNow, holdEach } = setup(2);
    enterNow(B);
    // POSTs of A held 1 s each; with B active A's share is 1: the queue moves one POST a second.
    holdEach(A, 5, 1_000);
    enterNow(A);
    const signal = new AbortController().signal;
    // With 4 s to wait: the 1st to 4th in line expect their turn within 1-4 s and queue; the 5th
    // expects it at 5 s, after its bound: refused at once, its Retry-After that expected wait.
    const waits = Array.from({ length: 5 }, () => admission.wait(A, signal, 4_000));
    await settled();
    expect(admission.queued).toBe(4);
    expect(await waits[4]).toEqual({ kind: 'not_admitted', retryAfterS: 5 });
  });

  it('spaces the POSTs it sends away at the pace its turns come, so they do not come back together', async () => {
    const { admission, enterNow, holdEach } = setup(2);
    enterNow(B);
    holdEach(A, 5, 1_000);
    enterNow(A);
    const signal = new AbortController().signal;
    const told = await Promise.all(Array.from({ length: 8 }, () => admission.wait(A, signal, 0)));
    // One turn a second (share 1, 1 s held): back in 1, 2, ... 8 s, one per second.
    expect(told.map((w) => (w.kind === 'not_admitted' ? w.retryAfterS : null))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
  });

  it("sendsAway gives wait()'s answer at once, the same Retry-After spacing, and null for a POST in time", async () => {
    const viaWait = setup(2);
    const viaSendsAway = setup(2);
    for (const { enterNow, holdEach } of [viaWait, viaSendsAway]) {
      enterNow(B);
      holdEach(A, 5, 1_000);
      enterNow(A);
    }
    const signal = new AbortController().signal;
    const waited: Waited[] = [];
    for (let i = 0; i < 3; i++) waited.push(await viaWait.admission.wait(A, signal, 0));
    const sentAway = Array.from({ length: 3 }, () => viaSendsAway.admission.sendsAway(A, 0));
    expect(sentAway).toEqual(waited);
    expect(sentAway.map((w) => (w?.kind === 'not_admitted' ? w.retryAfterS : null))).toEqual([
      1, 2, 3,
    ]);
    // Its turn within the bound: it would queue, so nothing is decided (and nothing is queued).
    expect(viaSendsAway.admission.sendsAway(A, 4_000)).toBeNull();
    expect(viaSendsAway.admission.queued).toBe(0);
  });
});
