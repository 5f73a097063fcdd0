// How fast requests reached the fake Seer: the most in any 1 s window, and a per-second histogram
// (for reports and failure messages).

/** The most requests whose arrival times fall in any window [t, t + windowMs). */
export function maxInAnyWindow(times: number[], windowMs = 1_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** Requests per whole second from `since` (the first request when omitted): `[12, 10, 9, ...]`. */
export function perSecond(times: number[], since = Math.min(...times)): number[] {
  const counts: number[] = [];
  for (const t of times) {
    const second = Math.floor((t - since) / 1_000);
    if (second >= 0) counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}
