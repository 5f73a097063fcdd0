// How hard Seer was hit, second by second: the requests the fake received counted per second from
// a moment on, and the most in any 1 s window (drills check a request cap against it).

export interface RequestHistogram {
  /** Epoch ms the count starts at. */
  from: number;
  /** Requests received in [from + i s, from + (i + 1) s), up to the last request received. */
  per_second: number[];
  /** The most requests received in any 1 s window from `from` on, not only the aligned ones. */
  max_in_any_second: number;
  total: number;
}

/** `times` are when requests arrived (epoch ms, any order); those before `from` are left out. */
export function requestHistogram(times: readonly number[], from: number): RequestHistogram {
  const sorted = times.filter((t) => t >= from).sort((a, b) => a - b);
  const perSecond: number[] = [];
  for (const t of sorted) {
    const second = Math.floor((t - from) / 1_000);
    while (perSecond.length <= second) perSecond.push(0);
    perSecond[second]! += 1;
  }
  // The busiest window starts at a request: slide its start over them, its end 1 s later.
  let max = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + 1_000) end++;
    max = Math.max(max, end - start);
  }
  return { from, per_second: perSecond, max_in_any_second: max, total: sorted.length };
}
